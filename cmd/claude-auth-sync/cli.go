package main

import (
	"os"
	"time"

	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// CLI is claude-auth-sync's command line.
type CLI struct {
	Globals

	Sync SyncCmd `cmd:"" help:"Fetch the setup token from Vault and write, update or remove the env file."`
}

// Globals are the settings shared with claude-launch and t3-serve-launch:
// the same environment variables, here also as flags.
type Globals struct {
	EnvFile      string        `name:"env-file" env:"CLAUDE_LAUNCH_ENV_FILE" default:"${env_file}" placeholder:"PATH" help:"Env file that holds CLAUDE_CODE_OAUTH_TOKEN. Default: ${default}."`
	VaultMount   string        `name:"vault-mount" env:"CLAUDE_LAUNCH_VAULT_MOUNT" default:"${vault_mount}" placeholder:"MOUNT" help:"Vault KV mount (version 1 or 2). Default: ${default}."`
	VaultPath    string        `name:"vault-path" env:"CLAUDE_LAUNCH_VAULT_PATH" default:"${vault_path}" placeholder:"PATH" help:"Secret path below the mount; {user} is your login name, looked up by uid. Default: ${default}."`
	VaultField   string        `name:"vault-field" env:"CLAUDE_LAUNCH_VAULT_FIELD" default:"${vault_field}" placeholder:"FIELD" help:"Field of the secret that holds the setup token. Default: ${default}."`
	VaultTimeout time.Duration `name:"vault-timeout" env:"CLAUDE_LAUNCH_VAULT_TIMEOUT" default:"${vault_timeout}" placeholder:"DURATION" help:"Bound on the whole Vault look-up, lock wait included. Default: ${default}."`
	NegativeTTL  time.Duration `name:"negative-ttl" env:"CLAUDE_LAUNCH_NEGATIVE_TTL" default:"${negative_ttl}" placeholder:"DURATION" help:"How long an answer of \"no setup token\" is believed. Default: ${default}."`
	LogLevel     string        `name:"log-level" env:"CLAUDE_LAUNCH_LOG_LEVEL" default:"${log_level}" enum:"debug,info,warn,error" help:"Least severe messages to show on stderr (debug, info, warn, error)."`
}

// Config is the token.Config these settings describe.
func (g *Globals) Config() token.Config {
	return token.Config{
		Disabled:       os.Getenv(token.EnvDisable) == "1",
		EnvFile:        g.EnvFile,
		VaultMount:     g.VaultMount,
		VaultPath:      g.VaultPath,
		VaultField:     g.VaultField,
		VaultTimeout:   g.VaultTimeout,
		NegativeTTL:    g.NegativeTTL,
		VaultAddr:      os.Getenv("VAULT_ADDR"),
		VaultNamespace: os.Getenv("VAULT_NAMESPACE"),
	}
}

// newLogger logs to stderr (stdout is for results), without timestamps
// under journald, which adds its own.
func newLogger(level string, quiet bool) *log.Logger {
	lv, err := log.ParseLevel(level)
	if err != nil {
		lv = log.WarnLevel
	}
	return log.NewWithOptions(os.Stderr, log.Options{
		Prefix:          "claude-auth-sync",
		Level:           lv,
		ReportTimestamp: os.Getenv("JOURNAL_STREAM") == "" && !quiet,
		TimeFormat:      time.DateTime,
	})
}
