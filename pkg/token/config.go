package token

import (
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/claude-launch/claude-launch/internal/errs"
)

// Names of the settings shared by all three programs. Users, scripts and
// units rely on them; they are part of the interface.
const (
	EnvDisable      = "CLAUDE_LAUNCH_DISABLE"
	EnvClaude       = "CLAUDE_LAUNCH_CLAUDE"
	EnvEnvFile      = "CLAUDE_LAUNCH_ENV_FILE"
	EnvVaultMount   = "CLAUDE_LAUNCH_VAULT_MOUNT"
	EnvVaultPath    = "CLAUDE_LAUNCH_VAULT_PATH"
	EnvVaultField   = "CLAUDE_LAUNCH_VAULT_FIELD"
	EnvVaultTimeout = "CLAUDE_LAUNCH_VAULT_TIMEOUT"
	EnvNegativeTTL  = "CLAUDE_LAUNCH_NEGATIVE_TTL"
	EnvLogLevel     = "CLAUDE_LAUNCH_LOG_LEVEL"
	EnvDepth        = "CLAUDE_LAUNCH_DEPTH"
	EnvMetricsFile  = "CLAUDE_LAUNCH_METRICS_FILE"
)

// Defaults of the settings.
const (
	DefaultVaultMount   = "secret"
	DefaultVaultPath    = "users/{user}/claude"
	DefaultVaultField   = "setup_token"
	DefaultVaultTimeout = 2 * time.Second
	DefaultNegativeTTL  = 10 * time.Minute
	DefaultLogLevel     = "warn"
)

// Config is what token resolution needs to know, read from the
// environment.
type Config struct {
	// Disabled is the kill switch: resolve nothing, touch nothing.
	Disabled bool
	// EnvFile is the path of the env file; empty when no home directory is
	// known.
	EnvFile string
	// VaultMount, VaultPath (with {user}) and VaultField locate the token.
	VaultMount, VaultPath, VaultField string
	// VaultTimeout bounds the whole Vault look-up, lock wait included.
	VaultTimeout time.Duration
	// NegativeTTL is how long a "no setup_token" answer is believed.
	NegativeTTL time.Duration
	// VaultAddr and VaultNamespace are VAULT_ADDR and VAULT_NAMESPACE; they
	// only key the negative cache here.
	VaultAddr, VaultNamespace string
}

// ConfigFromEnv reads Config from getenv (os.Getenv in production). A value
// that does not parse is replaced by its default and reported in problems,
// one clear error each, so that a typo never stops an agent from starting.
func ConfigFromEnv(getenv func(string) string) (c Config, problems []error) {
	c = Config{
		Disabled:       getenv(EnvDisable) == "1",
		EnvFile:        getenv(EnvEnvFile),
		VaultMount:     orDefault(getenv(EnvVaultMount), DefaultVaultMount),
		VaultPath:      orDefault(getenv(EnvVaultPath), DefaultVaultPath),
		VaultField:     orDefault(getenv(EnvVaultField), DefaultVaultField),
		VaultTimeout:   DefaultVaultTimeout,
		NegativeTTL:    DefaultNegativeTTL,
		VaultAddr:      getenv("VAULT_ADDR"),
		VaultNamespace: getenv("VAULT_NAMESPACE"),
	}
	if v := getenv(EnvDisable); v != "" && v != "0" && v != "1" {
		problems = append(problems, errs.Text(EnvDisable+"="+strconv.Quote(v)+" is not 0 or 1; set it to 1 to disable the launcher (ignored for now)"))
	}
	if c.EnvFile == "" {
		c.EnvFile = DefaultEnvFile(getenv)
	}
	var err error
	if c.VaultTimeout, err = duration(getenv, EnvVaultTimeout, DefaultVaultTimeout); err != nil {
		problems = append(problems, err)
	}
	if c.NegativeTTL, err = duration(getenv, EnvNegativeTTL, DefaultNegativeTTL); err != nil {
		problems = append(problems, err)
	}
	return c, problems
}

// DefaultEnvFile is ${XDG_CONFIG_HOME:-$HOME/.config}/claude-auth-sync/
// claude-oauth.env, or "" when neither variable gives an absolute path.
func DefaultEnvFile(getenv func(string) string) string {
	base := getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(base) { // the XDG spec says to ignore a relative one
		home := getenv("HOME")
		if !filepath.IsAbs(home) {
			return ""
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, "claude-auth-sync", "claude-oauth.env")
}

// LockFile is the lock that serialises fetches for this env file.
func (c Config) LockFile() string { return c.EnvFile + ".lock" }

// NegativeCacheFile records the last "no setup_token" answer.
func (c Config) NegativeCacheFile() string { return c.EnvFile + ".negative" }

// VaultKey identifies the Vault look-up a negative answer belongs to, so
// that changing any setting that locates the token makes the cache stale.
func (c Config) VaultKey() string {
	return "v1 uid=" + strconv.Itoa(os.Geteuid()) + " addr=" + c.VaultAddr + " ns=" + c.VaultNamespace +
		" mount=" + c.VaultMount + " path=" + c.VaultPath + " field=" + c.VaultField
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func duration(getenv func(string) string, name string, d time.Duration) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return d, nil
	}
	p, err := time.ParseDuration(v)
	if err != nil || p <= 0 {
		return d, errs.Text(name + "=" + strconv.Quote(v) + " is not a positive duration such as 2s or 10m; using " + d.String())
	}
	return p, nil
}
