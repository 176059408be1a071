package main

import (
	"strings"

	"github.com/alecthomas/kong"
	"github.com/claude-launch/claude-launch/internal/cli"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// CLI is claude-auth-sync's command line.
type CLI struct {
	cli.Base

	Sync     SyncCmd     `cmd:"" help:"Fetch the setup token from Vault and write, update or remove the env file; without one, guard claude's rotating login; write the metrics."`
	Status   StatusCmd   `cmd:"" help:"Say what the next claude will use, whether it is healthy, and which running agents are on what; exit 0 only when healthy."`
	Enable   EnableCmd   `cmd:"" help:"Store your setup token (read from stdin or a prompt, never the command line) in your Vault path, then sync."`
	Rotate   RotateCmd   `cmd:"" help:"Replace the setup token as enable does, then list the running agents still on the old one and how to restart them."`
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

// errUsage is a usage error found after parsing; main exits 2.
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

// tokenOnArgv is the message for a token given on the command line, which
// is refused before it is parsed, and never echoed.
const tokenOnArgv = "a setup token on the command line can be read by every user of this machine (/proc/PID/cmdline) and stays in your shell's history; pipe it in (`claude-auth-sync enable < file`) or paste it at the prompt of `claude-auth-sync enable`, then make a new one (`claude setup-token`): this one has been exposed"

// keyOnArgv is the message for another Anthropic credential (an API key,
// a refresh token) on the command line, refused the same way.
const keyOnArgv = "an Anthropic key or token (sk-ant-…) on the command line can be read by every user of this machine (/proc/PID/cmdline) and stays in your shell's history; claude-auth-sync takes none on its command line, and nothing was run: revoke it and make a new one"

// secretOnArgv returns the message for an argument that holds what looks
// like a setup token or another Anthropic credential, "" for none.
func secretOnArgv(args []string) string {
	msg := ""
	for _, a := range args {
		switch {
		case strings.Contains(a, token.Prefix):
			return tokenOnArgv
		case strings.Contains(a, "sk-ant-"):
			msg = keyOnArgv
		}
	}
	return msg
}
