package main

import "github.com/claude-launch/claude-launch/internal/cli"

// CLI is claude-auth-sync's command line.
type CLI struct {
	cli.Token

	Sync SyncCmd `cmd:"" help:"Fetch the setup token from Vault and write, update or remove the env file."`
}
