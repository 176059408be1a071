package config

import (
	"path/filepath"
	"strconv"
	"time"
)

// Names of the settings. Users, scripts and units rely on them; they are
// part of the interface.
const (
	EnvConfig       = "CLAUDE_LAUNCH_CONFIG"
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
	EnvOOMScoreAdj  = "CLAUDE_LAUNCH_OOM_SCORE_ADJ"
	EnvStateDir     = "CLAUDE_LAUNCH_STATE_DIR"
	EnvBackups      = "CLAUDE_LAUNCH_BACKUPS"
	EnvPaneMemory   = "CLAUDE_LAUNCH_PANE_MEMORY_MAX"

	// claude's own: where it keeps its login. Read from the environment
	// only, as claude reads it: a value in the config file would guard a
	// directory claude does not use.
	EnvClaudeConfigDir = "CLAUDE_CONFIG_DIR"

	// Vault's own variables, as the Vault CLI reads them. They may stand in
	// the config file too, so that a timer that never saw a shell finds
	// Vault. VAULT_TOKEN is a secret and may not.
	EnvVaultAddr      = "VAULT_ADDR"
	EnvVaultCACert    = "VAULT_CACERT"
	EnvVaultCAPath    = "VAULT_CAPATH"
	EnvVaultNamespace = "VAULT_NAMESPACE"
	EnvVaultToken     = "VAULT_TOKEN"

	// t3-serve-launch's own.
	EnvServer           = "T3_SERVE_LAUNCH_SERVER"
	EnvMemoryHigh       = "T3_SERVE_LAUNCH_MEMORY_HIGH"
	EnvMemoryMax        = "T3_SERVE_LAUNCH_MEMORY_MAX"
	EnvSwapMax          = "T3_SERVE_LAUNCH_SWAP_MAX"
	EnvOOMPolicy        = "T3_SERVE_LAUNCH_OOM_POLICY"
	EnvScope            = "T3_SERVE_LAUNCH_SCOPE"
	EnvAllowUncapped    = "T3_SERVE_LAUNCH_ALLOW_UNCAPPED"
	EnvAgentOOMScoreAdj = "T3_SERVE_LAUNCH_AGENT_OOM_SCORE_ADJ"
	EnvAgentMemoryMax   = "T3_SERVE_LAUNCH_AGENT_MEMORY_MAX"
	EnvServerMemoryLow  = "T3_SERVE_LAUNCH_SERVER_MEMORY_LOW"
	EnvServerMemoryMax  = "T3_SERVE_LAUNCH_SERVER_MEMORY_MAX"

	// Set by t3-serve-launch for the agents its server starts: the
	// directory of the agents' cgroups, and each agent's memory limit.
	EnvAgentCgroup      = "CLAUDE_LAUNCH_AGENT_CGROUP"
	EnvAgentCgroupLimit = "CLAUDE_LAUNCH_AGENT_MEMORY_MAX"
)

// Defaults of the settings.
const (
	DefaultVaultAddr        = "https://127.0.0.1:8200" // the Vault CLI's, without VAULT_ADDR
	DefaultVaultMount       = "secret"
	DefaultVaultPath        = "users/{user}/claude"
	DefaultVaultField       = "setup_token"
	DefaultVaultTimeout     = 2 * time.Second
	DefaultNegativeTTL      = 10 * time.Minute
	DefaultLogLevel         = LevelWarn
	DefaultMemoryHigh       = 12 << 30
	DefaultMemoryMax        = 16 << 30
	DefaultSwapMax          = 0
	DefaultOOMPolicy        = "continue"
	DefaultAgentOOMScoreAdj = 500
	DefaultBackups          = 5
	DefaultServerMemoryLow  = 512 << 20
	DefaultPaneMemoryMax    = 4 << 30

	// MaxVaultTimeout bounds CLAUDE_LAUNCH_VAULT_TIMEOUT: the bound exists
	// so that no agent waits long for Vault.
	MaxVaultTimeout = time.Minute
)

// Config is every setting, as read.
type Config struct {
	// File is the config file that was read, "" if none.
	File string
	// Disabled is the kill switch: resolve nothing, touch nothing.
	Disabled bool
	// Claude is the real claude: an absolute path, or a name to look up
	// in PATH; "" for the PATH search for claude.
	Claude string
	// EnvFile is the env file; "" when no home directory is known.
	EnvFile string
	// VaultMount, VaultPath (with {user}) and VaultField locate the token.
	VaultMount, VaultPath, VaultField string
	// VaultTimeout bounds the whole Vault look-up, lock wait included.
	VaultTimeout time.Duration
	// NegativeTTL is how long a "no setup_token" answer is believed.
	NegativeTTL time.Duration
	// LogLevel is the least severe message shown.
	LogLevel Level
	// MetricsFile is the textfile-collector output of a sync, "" for none.
	MetricsFile string
	// StateDir holds claude-auth-sync's state file and the login's
	// backups; "" when no home directory is known.
	StateDir string
	// Backups is how many backups of the rotating login are kept.
	Backups int
	// ClaudeConfigDir is claude's config directory, which holds its login.
	ClaudeConfigDir string
	// OOMScoreAdj is the oom_score_adj a launcher raises itself to, when
	// OOMScoreAdjSet.
	OOMScoreAdj    int
	OOMScoreAdjSet bool
	// PaneMemoryMax is the memory cap of each claude-agents pane's agent
	// (its scope's MemoryMax); Unlimited for none.
	PaneMemoryMax uint64
	// Depth is the recursion marker a launcher found.
	Depth int
	// AgentCgroup is the agents' cgroup directory a launcher started by
	// t3-serve joins, with AgentMemoryMax as its limit; "" for none.
	AgentCgroup    string
	AgentMemoryMax uint64
	// Vault's connection settings, as the Vault CLI names them.
	VaultAddr, VaultCACert, VaultCAPath, VaultNamespace string

	T3 T3
}

// T3 is t3-serve-launch's own part.
type T3 struct {
	// Server is the real t3-serve, as Claude is the real claude.
	Server string
	// MemoryHigh, MemoryMax and SwapMax are the caps in bytes;
	// MemoryHighSet says MemoryHigh was given, not defaulted.
	MemoryHigh, MemoryMax, SwapMax uint64
	MemoryHighSet                  bool
	// AgentMemoryMax is each agent's limit, 0 for half of MemoryHigh.
	AgentMemoryMax uint64
	// ServerMemoryLow protects the server's own memory (memory.low).
	ServerMemoryLow uint64
	// ServerMemoryMax bounds the server with every process it starts that
	// is not an agent; 0 for a quarter of MemoryHigh.
	ServerMemoryMax uint64
	// OOMPolicy is the unit's OOMPolicy: continue, stop or kill.
	OOMPolicy string
	// Scope names the transient scope; "" for t3-serve-launch-PID.
	Scope string
	// AllowUncapped starts the server even without its caps.
	AllowUncapped bool
	// AgentOOMScoreAdj is given to agents started under the server.
	AgentOOMScoreAdj int
}

// Setting is the one definition of a setting.
type Setting struct {
	// Name is the environment variable (and config file key).
	Name string
	// Flag is the long flag of the programs that take it, "" for none.
	Flag string
	// Placeholder names the value in help.
	Placeholder string
	// Help is one sentence saying what it does.
	Help string
	// Default is the default as one would write the value; DefaultHelp
	// describes a computed default instead.
	Default, DefaultHelp string
	// NotInFile marks a setting the config file may not hold.
	NotInFile bool
	// Launch marks a setting claude-launch reads on every launch; it
	// loads no other (Input.Launch), so that defaults it never uses cost
	// it nothing.
	Launch bool
	// set parses v into c, or applies the default when v is "". Applying
	// the default never fails.
	set func(c *Config, v string, getenv func(string) string) error
}

// FlagHelp is the help text of the setting's flag: its sentence, its
// default and its variable.
func (s *Setting) FlagHelp() string {
	d := s.Default
	if s.DefaultHelp != "" {
		d = s.DefaultHelp
	}
	h := s.Help
	if d != "" {
		h += " Default: " + d + "."
	}
	return h + " ($" + s.Name + ")"
}

// Settings is every setting, in the order help lists them. Every entry is
// a constant (defaults written out, functions without captured variables),
// so that the table sits in the binary's data instead of being built at
// start-up: claude-launch reads it on every launch.
var Settings = []*Setting{
	{Name: EnvConfig, Launch: true, Flag: "config", Placeholder: "PATH", NotInFile: true,
		Help:        "Config file of settings, in the env file's NAME=value syntax.",
		DefaultHelp: "${XDG_CONFIG_HOME:-~/.config}/claude-launch/config",
		set: func(c *Config, v string, getenv func(string) string) error {
			p, err := absPath(v)
			if v == "" || err != nil {
				c.File = DefaultConfigFile(getenv)
			} else {
				c.File = p
			}
			return err
		}},
	{Name: EnvDisable, Launch: true, Placeholder: "1",
		Help: "1 turns the launcher off: claude keeps its own login, untouched.", Default: "0",
		set: func(c *Config, v string, _ func(string) string) error {
			switch v {
			case "", "0", "false", "no", "off":
				c.Disabled = false
			case "1", "true", "yes", "on":
				c.Disabled = true
			default:
				// Whoever set it meant to turn the launcher off.
				c.Disabled = true
				return badUsing("is not 1 or 0", "1: the launcher is off")
			}
			return nil
		}},
	{Name: EnvClaude, Launch: true, Flag: "claude", Placeholder: "PATH",
		Help: "The real claude: an absolute path, or a name looked up in PATH.", DefaultHelp: "claude in PATH, skipping launchers",
		set: func(c *Config, v string, _ func(string) string) error {
			c.Claude = ""
			if v == "" {
				return nil
			}
			if !filepath.IsAbs(v) && containsSlash(v) {
				return badUsing("is a relative path, which would run a claude from whatever directory you stand in; give an absolute path", "claude in PATH")
			}
			c.Claude = v
			return nil
		}},
	{Name: EnvEnvFile, Launch: true, Flag: "env-file", Placeholder: "PATH",
		Help:        "Env file that holds CLAUDE_CODE_OAUTH_TOKEN.",
		DefaultHelp: "${XDG_CONFIG_HOME:-~/.config}/claude-auth-sync/claude-oauth.env",
		set: func(c *Config, v string, getenv func(string) string) error {
			p, err := absPath(v)
			if v == "" || err != nil {
				c.EnvFile = DefaultEnvFile(getenv)
			} else {
				c.EnvFile = p
			}
			return err
		}},
	{Name: EnvVaultMount, Launch: true, Flag: "vault-mount", Placeholder: "MOUNT",
		Help: "Vault KV mount (version 1 or 2).", Default: DefaultVaultMount,
		set: func(c *Config, v string, _ func(string) string) error {
			c.VaultMount = DefaultVaultMount
			if v == "" {
				return nil
			}
			p, err := vaultName(v, false)
			if err == nil {
				c.VaultMount = p
			}
			return err
		}},
	{Name: EnvVaultPath, Launch: true, Flag: "vault-path", Placeholder: "PATH",
		Help: "Secret path below the mount; {user} is your login name, looked up by uid.", Default: DefaultVaultPath,
		set: func(c *Config, v string, _ func(string) string) error {
			c.VaultPath = DefaultVaultPath
			if v == "" {
				return nil
			}
			p, err := vaultName(v, true)
			if err == nil {
				c.VaultPath = p
			}
			return err
		}},
	{Name: EnvVaultField, Launch: true, Flag: "vault-field", Placeholder: "FIELD",
		Help: "Field of the secret that holds the setup token.", Default: DefaultVaultField,
		set: func(c *Config, v string, _ func(string) string) error {
			c.VaultField = DefaultVaultField
			if v == "" {
				return nil
			}
			if err := plainWord(v); err != nil {
				return err
			}
			c.VaultField = v
			return nil
		}},
	{Name: EnvVaultTimeout, Launch: true, Flag: "vault-timeout", Placeholder: "DURATION",
		Help: "Bound on the whole Vault look-up, lock wait included.", Default: "2s",
		set: func(c *Config, v string, _ func(string) string) error {
			return duration(&c.VaultTimeout, v, DefaultVaultTimeout, MaxVaultTimeout)
		}},
	{Name: EnvNegativeTTL, Launch: true, Flag: "negative-ttl", Placeholder: "DURATION",
		Help: "How long an answer of \"no setup token\" is believed.", Default: "10m",
		set: func(c *Config, v string, _ func(string) string) error {
			return duration(&c.NegativeTTL, v, DefaultNegativeTTL, 24*time.Hour)
		}},
	{Name: EnvLogLevel, Launch: true, Flag: "log-level", Placeholder: "LEVEL",
		Help: "Least severe messages to show on stderr: debug, info, warn or error.", Default: "warn",
		set: func(c *Config, v string, _ func(string) string) error {
			c.LogLevel = DefaultLogLevel
			if v == "" {
				return nil
			}
			l, err := ParseLevel(v)
			if err == nil {
				c.LogLevel = l
			}
			return err
		}},
	{Name: EnvMetricsFile, Flag: "metrics-file", Placeholder: "PATH",
		Help: "Where sync writes its metrics for node_exporter's textfile collector (a *.prom file).", DefaultHelp: "none",
		set: func(c *Config, v string, _ func(string) string) error {
			c.MetricsFile = ""
			if v == "" {
				return nil
			}
			p, err := absPath(v)
			if err != nil {
				return err
			}
			if filepath.Ext(p) != ".prom" {
				return bad("does not end in .prom, so node_exporter's textfile collector would not read it")
			}
			c.MetricsFile = p
			return nil
		}},
	{Name: EnvStateDir, Flag: "state-dir", Placeholder: "DIR",
		Help:        "Where claude-auth-sync keeps its state and the backups of your rotating login.",
		DefaultHelp: "${XDG_STATE_HOME:-~/.local/state}/claude-auth-sync",
		set: func(c *Config, v string, getenv func(string) string) error {
			p, err := absPath(v)
			if v == "" || err != nil {
				c.StateDir = DefaultStateDir(getenv)
			} else {
				c.StateDir = p
			}
			return err
		}},
	{Name: EnvBackups, Flag: "backups", Placeholder: "N",
		Help: "How many backups of your rotating login to keep.", Default: "5",
		set: func(c *Config, v string, _ func(string) string) error {
			c.Backups = DefaultBackups
			if v == "" {
				return nil
			}
			n, err := intIn(v, 1, 100)
			if err == nil {
				c.Backups = n
			}
			return err
		}},
	{Name: EnvClaudeConfigDir, NotInFile: true,
		Help: "claude's own: the directory that holds its login, .credentials.json.", DefaultHelp: "~/.claude",
		set: func(c *Config, v string, getenv func(string) string) error {
			p, err := absPath(v)
			c.ClaudeConfigDir = p
			if v == "" || err != nil {
				c.ClaudeConfigDir = ""
				if home := getenv("HOME"); filepath.IsAbs(home) {
					c.ClaudeConfigDir = filepath.Join(home, ".claude")
				}
			}
			return err
		}},
	{Name: EnvOOMScoreAdj, Launch: true, Placeholder: "N",
		Help: "Raise the launcher's oom_score_adj to this before the exec (t3-serve-launch sets it for its agents).", DefaultHelp: "unchanged",
		set: func(c *Config, v string, _ func(string) string) error {
			c.OOMScoreAdj, c.OOMScoreAdjSet = 0, false
			if v == "" {
				return nil
			}
			n, err := intIn(v, -1000, 1000)
			if err == nil {
				c.OOMScoreAdj, c.OOMScoreAdjSet = n, true
			}
			return err
		}},
	{Name: EnvPaneMemory, Placeholder: "SIZE",
		Help: "Memory cap of each agent that scripts/claude-agents starts in a tmux pane, in a systemd scope of its own (MemoryMax, no swap): past it the agent is killed, whole, and started again; max for none.", Default: "4G",
		set: func(c *Config, v string, _ func(string) string) error {
			return size(&c.PaneMemoryMax, v, DefaultPaneMemoryMax)
		}},
	{Name: EnvDepth, Launch: true, NotInFile: true,
		Help: "Set by the launcher for its child: the recursion guard.",
		set: func(c *Config, v string, _ func(string) string) error {
			c.Depth = 0
			if v == "" {
				return nil
			}
			n, err := intIn(v, 0, 1<<20)
			c.Depth = n
			return err
		}},
	// Vault's own connection variables: any value, as the Vault CLI takes it.
	{Name: EnvVaultAddr, Launch: true, Help: "Vault's address, as for the Vault CLI.", Default: DefaultVaultAddr,
		set: func(c *Config, v string, _ func(string) string) error { c.VaultAddr = v; return nil }},
	{Name: EnvVaultCACert, Help: "CA certificate file that signs Vault's, as for the Vault CLI.",
		set: func(c *Config, v string, _ func(string) string) error { c.VaultCACert = v; return nil }},
	{Name: EnvVaultCAPath, Help: "Directory of CA certificates, as for the Vault CLI.",
		set: func(c *Config, v string, _ func(string) string) error { c.VaultCAPath = v; return nil }},
	{Name: EnvVaultNamespace, Launch: true, Help: "Vault Enterprise namespace, as for the Vault CLI.",
		set: func(c *Config, v string, _ func(string) string) error { c.VaultNamespace = v; return nil }},

	{Name: EnvServer, Flag: "server", Placeholder: "PATH",
		Help: "The server: T3 Code's t3 (the unit runs t3 serve), an absolute path or a name looked up in PATH.", DefaultHelp: "t3 in PATH",
		set: func(c *Config, v string, _ func(string) string) error {
			c.T3.Server = ""
			if v == "" {
				return nil
			}
			if !filepath.IsAbs(v) && containsSlash(v) {
				return badUsing("is a relative path; give an absolute path", "t3-serve in PATH")
			}
			c.T3.Server = v
			return nil
		}},
	{Name: EnvMemoryHigh, Flag: "memory-high", Placeholder: "SIZE",
		Help: "Throttle the server's cgroup above this (MemoryHigh).", Default: "12G",
		set: func(c *Config, v string, _ func(string) string) error {
			err := size(&c.T3.MemoryHigh, v, DefaultMemoryHigh)
			c.T3.MemoryHighSet = v != "" && err == nil
			return err
		}},
	{Name: EnvMemoryMax, Flag: "memory-max", Placeholder: "SIZE",
		Help: "OOM-kill inside the server's cgroup above this (MemoryMax).", Default: "16G",
		set: func(c *Config, v string, _ func(string) string) error {
			return size(&c.T3.MemoryMax, v, DefaultMemoryMax)
		}},
	{Name: EnvSwapMax, Flag: "swap-max", Placeholder: "SIZE",
		Help: "Swap the cgroup may use (MemorySwapMax); 0 forbids swapping, which is what froze the machine.", Default: "0",
		set: func(c *Config, v string, _ func(string) string) error {
			return size(&c.T3.SwapMax, v, DefaultSwapMax)
		}},
	{Name: EnvOOMPolicy, Flag: "oom-policy", Placeholder: "POLICY",
		Help: "What systemd does to the unit when one of its processes is OOM-killed: continue, stop or kill; continue keeps the server running.", Default: DefaultOOMPolicy,
		set: func(c *Config, v string, _ func(string) string) error {
			c.T3.OOMPolicy = DefaultOOMPolicy
			switch v {
			case "":
			case "continue", "stop", "kill":
				c.T3.OOMPolicy = v
			default:
				return bad("is not continue, stop or kill")
			}
			return nil
		}},
	{Name: EnvScope, Flag: "scope-name", Placeholder: "NAME",
		Help: "Name of the transient scope.", DefaultHelp: "t3-serve-launch-PID.scope",
		set: func(c *Config, v string, _ func(string) string) error {
			c.T3.Scope = ""
			if v == "" {
				return nil
			}
			if err := unitName(v); err != nil {
				return err
			}
			c.T3.Scope = v
			return nil
		}},
	{Name: EnvAllowUncapped, Flag: "allow-uncapped", Placeholder: "1",
		Help: "Start t3-serve even when the caps cannot be put in place, with a loud warning.", DefaultHelp: "refuse to start",
		set: func(c *Config, v string, _ func(string) string) error {
			switch v {
			case "", "0", "false", "no", "off":
				c.T3.AllowUncapped = false
			case "1", "true", "yes", "on":
				c.T3.AllowUncapped = true
			default:
				c.T3.AllowUncapped = false
				return bad("is not 1 or 0")
			}
			return nil
		}},
	{Name: EnvAgentMemoryMax, Flag: "agent-memory-max", Placeholder: "SIZE",
		Help: "Each agent's own memory limit (cgroup v2): past it the kernel kills that agent, whole, before the unit reaches MemoryHigh and throttles everyone.", DefaultHelp: "half of MemoryHigh",
		set: func(c *Config, v string, _ func(string) string) error {
			return size(&c.T3.AgentMemoryMax, v, 0)
		}},
	{Name: EnvServerMemoryLow, Flag: "server-memory-low", Placeholder: "SIZE",
		Help: "Memory of the server's own that the kernel spares when the unit is short (memory.low, cgroup v2).", Default: "512M",
		set: func(c *Config, v string, _ func(string) string) error {
			return size(&c.T3.ServerMemoryLow, v, DefaultServerMemoryLow)
		}},
	{Name: EnvServerMemoryMax, Flag: "server-memory-max", Placeholder: "SIZE",
		Help: "Bound on the server with every process it starts other than its agents (terminals, builds, codex, git; cgroup v2), which never throttles: past it the kernel kills the one that grew, before the server and before the unit reaches MemoryHigh.", DefaultHelp: "a quarter of MemoryHigh",
		set: func(c *Config, v string, _ func(string) string) error {
			return size(&c.T3.ServerMemoryMax, v, 0)
		}},
	{Name: EnvAgentCgroup, Launch: true, NotInFile: true,
		Help: "Set by t3-serve-launch for its server's agents: the directory of the agents' cgroups, each joining one of its own.", DefaultHelp: "none",
		set: func(c *Config, v string, _ func(string) string) error {
			p, err := absPath(v)
			c.AgentCgroup = p
			return err
		}},
	{Name: EnvAgentCgroupLimit, Launch: true, NotInFile: true,
		Help: "Set by t3-serve-launch for its server's agents: each agent cgroup's memory.max, in bytes.", DefaultHelp: "none",
		set: func(c *Config, v string, _ func(string) string) error {
			c.AgentMemoryMax = 0
			if v == "" {
				return nil
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil || n == 0 {
				return bad("is not a number of bytes")
			}
			c.AgentMemoryMax = n
			return nil
		}},
	{Name: EnvAgentOOMScoreAdj, Flag: "agent-oom-score-adj", Placeholder: "N",
		Help: "oom_score_adj that every process the server starts gets (agents through claude-launch give it themselves), so the kernel picks them before the server; 0 leaves them alone.", Default: "500",
		set: func(c *Config, v string, _ func(string) string) error {
			c.T3.AgentOOMScoreAdj = DefaultAgentOOMScoreAdj
			if v == "" {
				return nil
			}
			n, err := intIn(v, 0, 1000)
			if err == nil {
				c.T3.AgentOOMScoreAdj = n
			}
			return err
		}},
}

// Lookup returns the setting called name (a variable), nil if none.
func Lookup(name string) *Setting {
	for _, s := range Settings {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// DefaultEnvFile is ${XDG_CONFIG_HOME:-$HOME/.config}/claude-auth-sync/
// claude-oauth.env, or "" when neither variable gives an absolute path.
func DefaultEnvFile(getenv func(string) string) string {
	return underConfigHome(getenv, "claude-auth-sync", "claude-oauth.env")
}

// DefaultStateDir is ${XDG_STATE_HOME:-$HOME/.local/state}/
// claude-auth-sync, or "" when neither variable gives an absolute path.
func DefaultStateDir(getenv func(string) string) string {
	base := getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(base) {
		home := getenv("HOME")
		if !filepath.IsAbs(home) {
			return ""
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "claude-auth-sync")
}

// DefaultConfigFile is ${XDG_CONFIG_HOME:-$HOME/.config}/claude-launch/
// config, or "" when neither variable gives an absolute path.
func DefaultConfigFile(getenv func(string) string) string {
	return underConfigHome(getenv, "claude-launch", "config")
}

func underConfigHome(getenv func(string) string, dir, file string) string {
	base := getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(base) { // the XDG spec says to ignore a relative one
		home := getenv("HOME")
		if !filepath.IsAbs(home) {
			return ""
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, dir, file)
}

// LookupFlag returns the setting whose flag is flag, nil if none.
func LookupFlag(flag string) *Setting {
	for _, s := range Settings {
		if s.Flag != "" && s.Flag == flag {
			return s
		}
	}
	return nil
}
