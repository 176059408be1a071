package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/alecthomas/kong"
	"github.com/claude-launch/claude-launch/internal/cli"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/pkg/token"
)

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
	if err == nil {
		err = ctx.Error
	}
	if err != nil {
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
	if s.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(st); err != nil {
			return err
		}
	} else {
		printStatus(stdout, st)
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

// secretOnArgv returns the message for an argument that looks like a setup token or another
// Anthropic credential (an API key, a refresh token), "" for none; it never echoes it.
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
