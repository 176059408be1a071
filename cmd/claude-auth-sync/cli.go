package main

import "github.com/claude-launch/claude-launch/internal/settings"

// CLI is claude-auth-sync's command line.
type CLI struct {
	settings.Token

	Sync SyncCmd `cmd:"" help:"Fetch the setup token from Vault and write, update or remove the env file."`
}
