// Command t3-serve-launch starts t3-serve with the user's setup token, as
// claude-launch starts claude, and under memory caps (MemoryHigh=12G,
// MemoryMax=16G, no swap, OOMPolicy=continue) so that a runaway agent child
// is OOM-killed alone while the server keeps serving.
//
// It is the ExecStart= of scripts/t3-serve@.service, which sets the caps
// itself: then they are in force already and it execs t3-serve directly.
// Run by hand (a shell, a tmux pane), it moves itself into a transient
// systemd scope with the caps first, and verifies them in the cgroup files.
package main

import (
	"os"

	"github.com/alecthomas/kong"
	"github.com/claude-launch/claude-launch/internal/settings"
)

// Exit codes before the exec; after it, t3-serve's own.
const (
	ExitRefused = 1 // the caps could not be put in force
	ExitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	var cli CLI
	parser, err := kong.New(&cli,
		kong.Name("t3-serve-launch"),
		kong.Description("Start t3-serve with your setup token, under memory caps, so that a runaway agent dies alone."),
		kong.UsageOnError(),
		settings.Vars(),
		kong.Vars{"server_env": EnvServer},
	)
	if err != nil {
		panic(err) // the CLI struct itself is wrong: a programming error
	}
	if _, err := parser.Parse(args); err != nil {
		parser.Errorf("%s", err)
		return ExitUsage
	}
	logger := settings.NewLogger("t3-serve-launch", cli.LogLevel, false)
	code, err := cli.Run(logger)
	if err != nil {
		logger.Error(err.Error())
	}

	return code
}
