// Command claude-auth-sync keeps a user's Claude Code setup token where
// every launcher finds it: it reads the token from the user's own Vault
// path and materializes it in the env file. claude-launch runs it on a miss;
// a systemd user timer and people run it by hand.
package main

import (
	"errors"
	"os"

	"github.com/claude-launch/claude-launch/internal/cli"
	"github.com/claude-launch/claude-launch/internal/launch"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	var c CLI
	kctx, cfg, problems, ok := cli.Parse(&c, "claude-auth-sync",
		"Materialize your Claude Code setup token from Vault into the env file that claude-launch reads.", args)
	if !ok {
		return launch.ExitUsage
	}
	// Run by claude-launch on a miss, the launcher has already reported
	// the settings' problems.
	onMiss := c.Sync.OnMiss
	logger := cli.NewLogger("claude-auth-sync", cfg.LogLevel)
	if !onMiss {
		cli.Warn(logger, problems)
	}
	if err := kctx.Run(&cfg, logger); err != nil {
		if !errors.Is(err, errReported) {
			logger.Error(err.Error())
		}
		return launch.ExitFailed
	}
	return launch.ExitOK
}
