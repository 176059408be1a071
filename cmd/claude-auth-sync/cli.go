package main

import "github.com/claude-launch/claude-launch/internal/cli"

// CLI is claude-auth-sync's command line.
type CLI struct {
	cli.Token

	MetricsFile string `name:"metrics-file" help:"${help_metrics_file}" placeholder:"${placeholder_metrics_file}"`
	StateDir    string `name:"state-dir" help:"${help_state_dir}" placeholder:"${placeholder_state_dir}"`
	Backups     string `name:"backups" help:"${help_backups}" placeholder:"${placeholder_backups}"`
	Claude      string `name:"claude" help:"${help_claude}" placeholder:"${placeholder_claude}"`

	Sync    SyncCmd    `cmd:"" help:"Fetch the setup token from Vault and write, update or remove the env file; without one, guard claude's rotating login; write the metrics."`
	Status  StatusCmd  `cmd:"" help:"Say what the next claude will use, whether it is healthy, and which running agents are on what; exit 0 only when healthy."`
	Enable  EnableCmd  `cmd:"" help:"Store your setup token (read from stdin or a prompt, never the command line) in your Vault path, then sync."`
	Rotate  RotateCmd  `cmd:"" help:"Replace the setup token as enable does, then list the running agents still on the old one and how to restart them."`
	Disable DisableCmd `cmd:"" help:"Remove the setup token from Vault and the env file: new sessions use claude's own login again."`
}
