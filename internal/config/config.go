// Package config is the one definition of every setting of the three programs (variable, flag, default, parser);
// all three read them alike from flags, the environment and one config file. A bad value warns and keeps the default,
// a bad flag is a usage error (docs/configuration.md). It runs on every agent's start-up: stdlib, token, memsize only.
package config

import (
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/claude-launch/claude-launch/pkg/token"
)

// Names of the settings: part of the interface, as users, scripts and units rely on them.
const (
	EnvConfig               = "CLAUDE_LAUNCH_CONFIG"
	EnvDisable              = "CLAUDE_LAUNCH_DISABLE"
	EnvClaude               = "CLAUDE_LAUNCH_CLAUDE"
	EnvEnvFile              = "CLAUDE_LAUNCH_ENV_FILE"
	EnvVaultMount           = "CLAUDE_LAUNCH_VAULT_MOUNT"
	EnvVaultPath            = "CLAUDE_LAUNCH_VAULT_PATH"
	EnvVaultField           = "CLAUDE_LAUNCH_VAULT_FIELD"
	EnvVaultTimeout         = "CLAUDE_LAUNCH_VAULT_TIMEOUT"
	EnvNegativeTTL          = "CLAUDE_LAUNCH_NEGATIVE_TTL"
	EnvLogLevel             = "CLAUDE_LAUNCH_LOG_LEVEL"
	EnvDepth                = "CLAUDE_LAUNCH_DEPTH"
	EnvMetricsFile          = "CLAUDE_LAUNCH_METRICS_FILE"
	EnvOOMScoreAdj          = "CLAUDE_LAUNCH_OOM_SCORE_ADJ"
	EnvStateDir             = "CLAUDE_LAUNCH_STATE_DIR"
	EnvPaneMemoryMax        = "CLAUDE_LAUNCH_PANE_MEMORY_MAX"
	EnvAgentCgroup          = "CLAUDE_LAUNCH_AGENT_CGROUP"
	EnvAgentCgroupMemoryMax = "CLAUDE_LAUNCH_AGENT_MEMORY_MAX"
	EnvT3Server             = "T3_SERVE_LAUNCH_SERVER"
	EnvT3MemoryHigh         = "T3_SERVE_LAUNCH_MEMORY_HIGH"
	EnvT3MemoryMax          = "T3_SERVE_LAUNCH_MEMORY_MAX"
	EnvT3OOMPolicy          = "T3_SERVE_LAUNCH_OOM_POLICY"
	EnvT3Scope              = "T3_SERVE_LAUNCH_SCOPE"
	EnvT3ServerMemoryMax    = "T3_SERVE_LAUNCH_SERVER_MEMORY_MAX"
	// Vault's own; in the config file too, so that a timer finds Vault, except VAULT_TOKEN, a secret.
	EnvVaultAddr      = "VAULT_ADDR"
	EnvVaultCACert    = "VAULT_CACERT"
	EnvVaultCAPath    = "VAULT_CAPATH"
	EnvVaultNamespace = "VAULT_NAMESPACE"
)

// Defaults of the settings.
const (
	DefaultVaultAddr     = "https://127.0.0.1:8200" // the Vault CLI's, without VAULT_ADDR
	DefaultVaultMount    = "secret"
	DefaultVaultPath     = "users/{user}/claude"
	DefaultVaultField    = "setup_token"
	DefaultVaultTimeout  = 2 * time.Second
	DefaultMemoryMax     = 16 << 30
	DefaultPaneMemoryMax = 4 << 30
)

// Config is every setting, as read; the table (Settings) says what each means. A path is "" with no home known; Claude and T3.Server "" search PATH.
// File is the config file that was read, "" if none; OOMScoreAdjSet and T3.MemoryHighSet say that the value was given.
type Config struct {
	File, Claude, EnvFile, MetricsFile, StateDir, ClaudeConfigDir, AgentCgroup             string
	VaultAddr, VaultCACert, VaultCAPath, VaultNamespace, VaultMount, VaultPath, VaultField string
	PaneMemoryMax, AgentCgroupMemoryMax                                                    uint64
	VaultTimeout, NegativeTTL                                                              time.Duration
	LogLevel                                                                               Level
	Backups, OOMScoreAdj, Depth                                                            int
	Disabled, OOMScoreAdjSet                                                               bool
	T3                                                                                     T3
}

// T3 is t3-serve-launch's own part, sizes in bytes; AgentMemoryMax, ServerMemoryMax and Scope zero are the defaults the table describes.
type T3 struct {
	Server, OOMPolicy, Scope                                                         string
	MemoryHigh, MemoryMax, SwapMax, AgentMemoryMax, ServerMemoryLow, ServerMemoryMax uint64
	MemoryHighSet, AllowUncapped                                                     bool
	AgentOOMScoreAdj                                                                 int
}

// LockFile is the lock that serialises look-ups for this env file.
func (c *Config) LockFile() string { return c.EnvFile + ".lock" }

// NegativeCache records the last "no setup_token" answer, keyed by where the token is looked up.
func (c *Config) NegativeCache() *token.NegativeCache {
	return &token.NegativeCache{Path: c.EnvFile + ".negative", TTL: c.NegativeTTL, Key: "v1 uid=" + strconv.Itoa(os.Geteuid()) +
		" addr=" + c.VaultAddr + " ns=" + c.VaultNamespace + " mount=" + c.VaultMount + " path=" + c.VaultPath + " field=" + c.VaultField}
}

// SyncCommand rewrites the env file from Vault: the hint for a bad one.
const SyncCommand = "claude-auth-sync sync"

// Resolver resolves these settings: getenv reads the Vault token (never the config file), fetch runs on a miss.
func (c *Config) Resolver(getenv func(string) string, fetch token.Fetcher) *token.Resolver {
	return &token.Resolver{Disabled: c.Disabled, EnvFile: c.EnvFile, Rewrite: SyncCommand, Timeout: c.VaultTimeout,
		Negative: c.NegativeCache, HasVaultToken: func() bool { return token.HasVaultToken(getenv) }, Fetch: fetch}
}

// NoAnswer is the message for a Vault that gave no answer within the bound, whichever program waited.
func (c *Config) NoAnswer() string {
	addr, hint := c.VaultAddr, "check VAULT_ADDR and the network, or raise "+EnvVaultTimeout
	if addr == "" {
		addr, hint = DefaultVaultAddr, UnsetVaultAddr
	}
	return "vault at " + addr + " did not answer within " + FormatDuration(c.VaultTimeout) + "; " + hint
}

// UnsetVaultAddr is what to do when Vault's default address, taken as VAULT_ADDR is not set, gives no answer.
const UnsetVaultAddr = "that is the default address, as VAULT_ADDR is not set: set VAULT_ADDR to your Vault server in the config file " +
	"(~/.config/claude-launch/config)"

// DefaultEnvFile is ${XDG_CONFIG_HOME:-$HOME/.config}/claude-auth-sync/claude-oauth.env, or "" (underHome).
func DefaultEnvFile(getenv func(string) string) string {
	return underHome(getenv, "XDG_CONFIG_HOME", ".config", "claude-auth-sync", "claude-oauth.env")
}

func defaultStateDir(getenv env) string {
	return underHome(getenv, "XDG_STATE_HOME", ".local/state", "claude-auth-sync", "")
}

// DefaultConfigFile is ${XDG_CONFIG_HOME:-$HOME/.config}/claude-launch/config, or "" (underHome).
func DefaultConfigFile(getenv func(string) string) string {
	return underHome(getenv, "XDG_CONFIG_HOME", ".config", "claude-launch", "config")
}

// underHome is ${xdg:-$HOME/fallback}/dir/file, or "" when neither is absolute (the XDG spec ignores a relative one); xdg HOME gives $HOME/dir/file.
func underHome(getenv env, xdg, fallback, dir, file string) string {
	base := getenv(xdg)
	if !filepath.IsAbs(base) {
		home := getenv("HOME")
		if !filepath.IsAbs(home) {
			return ""
		}
		base = filepath.Join(home, fallback)
	}
	return filepath.Join(base, dir, file)
}
