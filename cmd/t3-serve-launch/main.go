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
// (A usage error exits settings.ExitUsage, 2.)
const ExitRefused = 1 // the caps could not be put in force

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	var cli CLI
	if _, ok := settings.Parse(&cli, "t3-serve-launch",
		"Start t3-serve with your setup token, under memory caps, so that a runaway agent dies alone.",
		args, kong.Vars{"server_env": EnvServer}); !ok {
		return settings.ExitUsage
	}
	logger := settings.NewLogger("t3-serve-launch", cli.LogLevel, false)
	code, err := cli.Run(logger)
	if err != nil {
		logger.Error(err.Error())
	}

	return code
}
