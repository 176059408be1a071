// Command claude-auth-sync keeps a user's Claude Code setup token, read from their own Vault path, in the env file every launcher reads.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/alecthomas/kong"
	"github.com/claude-launch/claude-launch/internal/cli"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/launch"
	"github.com/claude-launch/claude-launch/pkg/token"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	if msg := secretOnArgv(args); msg != "" { // refused before kong could echo it
		os.Stderr.WriteString("claude-auth-sync: error: " + msg + "\n")
		return launch.ExitUsage
	}
	var c CLI
	kctx, cfg, problems, ok := cli.Parse(&c, config.ForSync, "claude-auth-sync", "Keep your Claude Code setup token where every claude-launch "+
		"finds it, guard claude's rotating login when you have none, and say which your agents use.", args)
	if !ok {
		return launch.ExitUsage
	}
	logger := cli.NewLogger("claude-auth-sync", cfg.LogLevel)
	if !c.Sync.OnMiss { // on a miss, claude-launch has already reported them
		cli.Warn(logger, problems)
	}
	if msg := homeProblem(&cfg); msg != "" {
		logger.Error(msg)
		return launch.ExitFailed
	}
	kctx.BindTo(os.Stdin, (*io.Reader)(nil))
	kctx.BindTo(os.Stdout, (*io.Writer)(nil))
	err := kctx.Run(&cfg, logger)
	switch usage, isUsage := errors.AsType[errUsage](err); {
	case err == nil:
		return launch.ExitOK
	case isUsage:
		kctx.Errorf("%s", usage.msg)
		return launch.ExitUsage
	case !errors.Is(err, errReported):
		logger.Error(err.Error())
	}
	return launch.ExitFailed
}

// homeProblem says why the env file and state cannot be found ("" when they can): no HOME and no paths, or a HOME not there.
func homeProblem(cfg *config.Config) string {
	if cfg.EnvFile == "" || cfg.StateDir == "" {
		return "HOME is not set, or not an absolute path, so claude-auth-sync cannot find your env file or its state: " +
			"set HOME (systemd user units have it; a system unit needs Environment=HOME=…), or set " + config.EnvEnvFile + " and " + config.EnvStateDir
	}
	home := os.Getenv("HOME")
	if _, err := os.Stat(home); home != "" && errors.Is(err, fs.ErrNotExist) {
		return "HOME=" + home + " does not exist: set HOME to your home directory; nothing was read or written"
	}
	return ""
}

// CLI is claude-auth-sync's command line.
type CLI struct {
	cli.Base

	Sync     SyncCmd     `cmd:"" help:"Sync the env file from Vault; without a setup token, guard claude's rotating login; write the metrics."`
	Status   StatusCmd   `cmd:"" help:"Say what the next claude uses, if it is healthy, and what running agents are on; exit 0 only if healthy."`
	Enable   EnableCmd   `cmd:"" help:"Store your setup token (read from stdin or a prompt, never the command line) in your Vault path, then sync."`
	Rotate   RotateCmd   `cmd:"" help:"Replace the token as enable does; name the agents still on the old one and how to restart them."`
	Disable  DisableCmd  `cmd:"" help:"Remove the setup token from Vault and the env file: new sessions use claude's own login again."`
	Settings SettingsCmd `cmd:"" help:"Show each setting in effect and where it came from: flag, environment, config file line or default."`
	Help     HelpCmd     `cmd:"" help:"Show the help of a command."`
}

// HelpCmd shows the help of a command, as COMMAND --help does.
type HelpCmd struct {
	Command []string `arg:"" optional:"" help:"The command."`
}

// Run prints the help.
func (h *HelpCmd) Run(kctx *kong.Context) error {
	ctx, err := kong.Trace(kctx.Kong, h.Command)
	if err = cmp.Or(err, ctx.Error); err != nil {
		return errUsage{err.Error()}
	}
	return ctx.PrintUsage(false)
}

// StatusCmd says what the next claude will use and whether it is healthy.
type StatusCmd struct {
	JSON bool `name:"json" help:"Print the status as JSON, for scripts."`
}

// Run gathers the status, prints it, and fails unless healthy.
func (s *StatusCmd) Run(cfg *config.Config, stdout io.Writer) error {
	st := gatherStatus(context.Background(), cfg)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if !s.JSON {
		printStatus(stdout, st)
	} else if err := enc.Encode(st); err != nil {
		return err
	}
	if !st.Healthy {
		return errReported
	}
	return nil
}

// SettingsCmd shows the settings in effect, as `git config --show-origin`.
type SettingsCmd struct{}

// Run prints a line per setting: where its value came from, then NAME=value.
func (SettingsCmd) Run(kctx *kong.Context, stdout io.Writer) error {
	origins := map[string]config.Origin{}
	config.Load(config.Input{Environ: os.Environ(), Flags: cli.FlagValues(kctx), Origins: origins})
	w := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	for _, s := range config.Settings {
		o := origins[s.Name]
		if config.MayBeSecret(o.Value) {
			o.Value = "(not shown: it could be a credential)"
		}
		_, _ = io.WriteString(w, o.Source+"\t"+s.Name+"="+o.Value+"\n")
	}
	return w.Flush()
}

// errUsage is a usage error found after parsing; main exits 2.
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

// secretOnArgv returns the message for an argument that looks like an Anthropic credential, "" for none; it never echoes it.
func secretOnArgv(args []string) string {
	const exposed = " on the command line can be read by every user of this machine (/proc/PID/cmdline) and stays in your shell's history; "
	msg := ""
	for _, a := range args {
		switch {
		case strings.Contains(a, token.Prefix):
			return "a setup token" + exposed + "pipe it in (`claude-auth-sync enable < file`) or paste it at the prompt of " +
				"`claude-auth-sync enable`, then make a new one (`claude setup-token`): this one has been exposed"
		case strings.Contains(a, "sk-ant-"):
			msg = "an Anthropic key or token (sk-ant-…)" + exposed +
				"claude-auth-sync takes none on its command line, and nothing was run: revoke it and make a new one"
		}
	}
	return msg
}
