// Command claude-auth-sync keeps a user's Claude Code setup token where
// every launcher finds it: it reads the token from the user's own Vault
// path and materializes it in the env file. claude-launch runs it on a miss;
// a systemd user timer and people run it by hand.
package main

import (
	"errors"
	"os"

	"github.com/claude-launch/claude-launch/internal/settings"
)

// Exit codes. ExitFailed matches launch.ExitReported: the error has been
// logged, so the launcher that ran us adds nothing.
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = settings.ExitUsage
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	var cli CLI
	kctx, ok := settings.Parse(&cli, "claude-auth-sync",
		"Materialize your Claude Code setup token from Vault into the env file that claude-launch reads.", args)
	if !ok {
		return settings.ExitUsage
	}
	// Run by claude-launch on a miss, it writes into the launcher's stderr:
	// no timestamps there, as the launcher's own lines have none.
	logger := settings.NewLogger("claude-auth-sync", cli.LogLevel, cli.Sync.OnMiss)
	if err := kctx.Run(&cli.Token, logger); err != nil {
		if !errors.Is(err, errReported) {
			logger.Error(err.Error())
		}
		return ExitFailed
	}
	return ExitOK
}
