// Package settings is the command line of the settings that
// claude-auth-sync and t3-serve-launch share with claude-launch: the same
// CLAUDE_LAUNCH_* variables, as kong flags with the same defaults, and the
// logger both programs use. (claude-launch reads the variables through
// package token and links neither kong nor the logger.)
package settings

import (
	"os"
	"time"

	"github.com/alecthomas/kong"
	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// Token are the token settings; embed it in a kong CLI and bind Vars.
type Token struct {
	EnvFile      string        `name:"env-file" env:"CLAUDE_LAUNCH_ENV_FILE" default:"${env_file}" placeholder:"PATH" help:"Env file that holds CLAUDE_CODE_OAUTH_TOKEN. Default: ${default}."`
	VaultMount   string        `name:"vault-mount" env:"CLAUDE_LAUNCH_VAULT_MOUNT" default:"${vault_mount}" placeholder:"MOUNT" help:"Vault KV mount (version 1 or 2). Default: ${default}."`
	VaultPath    string        `name:"vault-path" env:"CLAUDE_LAUNCH_VAULT_PATH" default:"${vault_path}" placeholder:"PATH" help:"Secret path below the mount; {user} is your login name, looked up by uid. Default: ${default}."`
	VaultField   string        `name:"vault-field" env:"CLAUDE_LAUNCH_VAULT_FIELD" default:"${vault_field}" placeholder:"FIELD" help:"Field of the secret that holds the setup token. Default: ${default}."`
	VaultTimeout time.Duration `name:"vault-timeout" env:"CLAUDE_LAUNCH_VAULT_TIMEOUT" default:"${vault_timeout}" placeholder:"DURATION" help:"Bound on the whole Vault look-up, lock wait included. Default: ${default}."`
	NegativeTTL  time.Duration `name:"negative-ttl" env:"CLAUDE_LAUNCH_NEGATIVE_TTL" default:"${negative_ttl}" placeholder:"DURATION" help:"How long an answer of \"no setup token\" is believed. Default: ${default}."`
	LogLevel     string        `name:"log-level" env:"CLAUDE_LAUNCH_LOG_LEVEL" default:"${log_level}" enum:"debug,info,warn,error" help:"Least severe messages to show on stderr (debug, info, warn, error)."`
}

// Vars are the defaults the struct tags refer to.
func Vars() kong.Vars {
	return kong.Vars{
		"env_file":      token.DefaultEnvFile(os.Getenv),
		"vault_mount":   token.DefaultVaultMount,
		"vault_path":    token.DefaultVaultPath,
		"vault_field":   token.DefaultVaultField,
		"vault_timeout": token.DefaultVaultTimeout.String(),
		"negative_ttl":  token.DefaultNegativeTTL.String(),
		"log_level":     token.DefaultLogLevel,
	}
}

// Config is the token.Config these settings describe.
func (t *Token) Config() token.Config {
	return token.Config{
		Disabled:       os.Getenv(token.EnvDisable) == "1",
		EnvFile:        t.EnvFile,
		VaultMount:     t.VaultMount,
		VaultPath:      t.VaultPath,
		VaultField:     t.VaultField,
		VaultTimeout:   t.VaultTimeout,
		NegativeTTL:    t.NegativeTTL,
		VaultAddr:      os.Getenv("VAULT_ADDR"),
		VaultNamespace: os.Getenv("VAULT_NAMESPACE"),
	}
}

// NewLogger logs to stderr (stdout belongs to results or to the program
// exec'd next) with prefix, without timestamps under journald, which adds
// its own, or when quiet (writing into a launcher's stderr, whose own lines
// have none).
func NewLogger(prefix, level string, quiet bool) *log.Logger {
	lv, err := log.ParseLevel(level)
	if err != nil {
		lv = log.WarnLevel
	}
	return log.NewWithOptions(os.Stderr, log.Options{
		Prefix:          prefix,
		Level:           lv,
		ReportTimestamp: os.Getenv("JOURNAL_STREAM") == "" && !quiet,
		TimeFormat:      time.DateTime,
	})
}

// ExitUsage is the exit code of a command line that does not parse.
const ExitUsage = 2

// Parse parses args into cli, a kong CLI embedding Token, with the shared
// defaults. On a usage error it prints the error (and usage) and returns
// ok false: exit with ExitUsage.
func Parse(cli any, name, description string, args []string, opts ...kong.Option) (kctx *kong.Context, ok bool) {
	opts = append([]kong.Option{kong.Name(name), kong.Description(description), kong.UsageOnError(), Vars()}, opts...)
	parser, err := kong.New(cli, opts...)
	if err != nil {
		panic(err) // the CLI struct itself is wrong: a programming error
	}
	kctx, err = parser.Parse(args)
	if err != nil {
		parser.Errorf("%s", err)
		return nil, false
	}
	return kctx, true
}
