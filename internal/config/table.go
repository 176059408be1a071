package config

import (
	"cmp"
	"path/filepath"
	"strconv"
	"time"
)

// Setting is the one definition of a setting.
type Setting struct {
	// Name is the environment variable (and config file key).
	Name string
	// Flag is the long flag of the programs Of, "" for none.
	Flag string
	Of   Prog
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

// Prog is a set of the programs that take flags.
type Prog uint8

// The programs with flags.
const (
	ForSync Prog = 1 << iota // claude-auth-sync
	ForT3                    // t3-serve-launch
)

// FlagHelp is the help text of the setting's flag: its sentence, its
// default and its variable.
func (s *Setting) FlagHelp() string {
	d, h := cmp.Or(s.DefaultHelp, s.Default), s.Help
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
	{Name: EnvConfig, Launch: true, Flag: "config", Of: ForSync | ForT3, Placeholder: "PATH", NotInFile: true,
		Help:        "Config file of settings, in the env file's NAME=value syntax.",
		DefaultHelp: "${XDG_CONFIG_HOME:-~/.config}/claude-launch/config",
		set: func(c *Config, v string, getenv func(string) string) error {
			return pathOr(&c.File, v, DefaultConfigFile, getenv)
		}},
	{Name: EnvDisable, Launch: true, Placeholder: "1",
		Help: "1 turns the launcher off: claude keeps its own login, untouched.", Default: "0",
		set: func(c *Config, v string, _ func(string) string) error {
			// Whoever set it to anything meant to turn the launcher off.
			return switchOn(&c.Disabled, v, true, "1: the launcher is off")
		}},
	{Name: EnvClaude, Launch: true, Flag: "claude", Of: ForSync, Placeholder: "PATH",
		Help: "The real claude: an absolute path, or a name looked up in PATH.", DefaultHelp: "claude in PATH, skipping launchers",
		set: func(c *Config, v string, _ func(string) string) error {
			return program(&c.Claude, v, "is a relative path, which would run a claude from whatever directory you stand in; give an absolute path", "claude in PATH")
		}},
	{Name: EnvEnvFile, Launch: true, Flag: "env-file", Of: ForSync | ForT3, Placeholder: "PATH",
		Help:        "Env file that holds CLAUDE_CODE_OAUTH_TOKEN.",
		DefaultHelp: "${XDG_CONFIG_HOME:-~/.config}/claude-auth-sync/claude-oauth.env",
		set: func(c *Config, v string, getenv func(string) string) error {
			return pathOr(&c.EnvFile, v, DefaultEnvFile, getenv)
		}},
	{Name: EnvVaultMount, Launch: true, Flag: "vault-mount", Of: ForSync | ForT3, Placeholder: "MOUNT",
		Help: "Vault KV mount (version 1 or 2).", Default: DefaultVaultMount,
		set: func(c *Config, v string, _ func(string) string) error {
			return vaultNameOr(&c.VaultMount, v, DefaultVaultMount, false)
		}},
	{Name: EnvVaultPath, Launch: true, Flag: "vault-path", Of: ForSync | ForT3, Placeholder: "PATH",
		Help: "Secret path below the mount; {user} is your login name, looked up by uid.", Default: DefaultVaultPath,
		set: func(c *Config, v string, _ func(string) string) error {
			return vaultNameOr(&c.VaultPath, v, DefaultVaultPath, true)
		}},
	{Name: EnvVaultField, Launch: true, Flag: "vault-field", Of: ForSync | ForT3, Placeholder: "FIELD",
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
	{Name: EnvVaultTimeout, Launch: true, Flag: "vault-timeout", Of: ForSync | ForT3, Placeholder: "DURATION",
		Help: "Bound on the whole Vault look-up, lock wait included.", Default: "2s",
		set: func(c *Config, v string, _ func(string) string) error {
			return duration(&c.VaultTimeout, v, DefaultVaultTimeout, MaxVaultTimeout)
		}},
	{Name: EnvNegativeTTL, Launch: true, Flag: "negative-ttl", Of: ForSync | ForT3, Placeholder: "DURATION",
		Help: "How long an answer of \"no setup token\" is believed.", Default: "10m",
		set: func(c *Config, v string, _ func(string) string) error {
			return duration(&c.NegativeTTL, v, DefaultNegativeTTL, 24*time.Hour)
		}},
	{Name: EnvLogLevel, Launch: true, Flag: "log-level", Of: ForSync | ForT3, Placeholder: "LEVEL",
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
	{Name: EnvMetricsFile, Flag: "metrics-file", Of: ForSync, Placeholder: "PATH",
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
	{Name: EnvStateDir, Flag: "state-dir", Of: ForSync, Placeholder: "DIR",
		Help:        "Where claude-auth-sync keeps its state and the backups of your rotating login.",
		DefaultHelp: "${XDG_STATE_HOME:-~/.local/state}/claude-auth-sync",
		set: func(c *Config, v string, getenv func(string) string) error {
			return pathOr(&c.StateDir, v, DefaultStateDir, getenv)
		}},
	{Name: EnvBackups, Flag: "backups", Of: ForSync, Placeholder: "N",
		Help: "How many backups of your rotating login to keep.", Default: "5",
		set: func(c *Config, v string, _ func(string) string) error {
			return integer(&c.Backups, v, DefaultBackups, 1, 100)
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
			err := integer(&c.OOMScoreAdj, v, 0, -1000, 1000)
			c.OOMScoreAdjSet = v != "" && err == nil
			return err
		}},
	{Name: EnvPaneMemoryMax, Placeholder: "SIZE",
		Help: "Memory cap of each agent that scripts/claude-agents starts in a tmux pane, in a systemd scope of its own (MemoryMax, no swap): past it the agent is killed, whole, and started again; max for none.", Default: "4G",
		set: func(c *Config, v string, _ func(string) string) error {
			return size(&c.PaneMemoryMax, v, DefaultPaneMemoryMax)
		}},
	{Name: EnvDepth, Launch: true, NotInFile: true,
		Help: "Set by the launcher for its child: the recursion guard.",
		set: func(c *Config, v string, _ func(string) string) error {
			return integer(&c.Depth, v, 0, 0, 1<<20)
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

	{Name: EnvT3Server, Flag: "server", Of: ForT3, Placeholder: "PATH",
		Help: "The server: T3 Code's t3 (the unit runs t3 serve), an absolute path or a name looked up in PATH.", DefaultHelp: "t3 in PATH",
		set: func(c *Config, v string, _ func(string) string) error {
			return program(&c.T3.Server, v, "is a relative path; give an absolute path", "t3 in PATH")
		}},
	{Name: EnvT3MemoryHigh, Flag: "memory-high", Of: ForT3, Placeholder: "SIZE",
		Help: "Throttle the server's cgroup above this (MemoryHigh).", Default: "12G",
		set: func(c *Config, v string, _ func(string) string) error {
			err := size(&c.T3.MemoryHigh, v, DefaultMemoryHigh)
			c.T3.MemoryHighSet = v != "" && err == nil
			return err
		}},
	{Name: EnvT3MemoryMax, Flag: "memory-max", Of: ForT3, Placeholder: "SIZE",
		Help: "OOM-kill inside the server's cgroup above this (MemoryMax).", Default: "16G",
		set: func(c *Config, v string, _ func(string) string) error {
			return size(&c.T3.MemoryMax, v, DefaultMemoryMax)
		}},
	{Name: EnvT3SwapMax, Flag: "swap-max", Of: ForT3, Placeholder: "SIZE",
		Help: "Swap the cgroup may use (MemorySwapMax); 0 forbids swapping, which is what froze the machine.", Default: "0",
		set: func(c *Config, v string, _ func(string) string) error {
			return size(&c.T3.SwapMax, v, DefaultSwapMax)
		}},
	{Name: EnvT3OOMPolicy, Flag: "oom-policy", Of: ForT3, Placeholder: "POLICY",
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
	{Name: EnvT3Scope, Flag: "scope-name", Of: ForT3, Placeholder: "NAME",
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
	{Name: EnvT3AllowUncapped, Flag: "allow-uncapped", Of: ForT3, Placeholder: "1",
		Help: "Start t3-serve even when the caps cannot be put in place, with a loud warning.", DefaultHelp: "refuse to start",
		set: func(c *Config, v string, _ func(string) string) error {
			return switchOn(&c.T3.AllowUncapped, v, false, "")
		}},
	{Name: EnvT3AgentMemoryMax, Flag: "agent-memory-max", Of: ForT3, Placeholder: "SIZE",
		Help: "Each agent's own memory limit (cgroup v2): past it the kernel kills that agent, whole, before the unit reaches MemoryHigh and throttles everyone.", DefaultHelp: "half of MemoryHigh",
		set: func(c *Config, v string, _ func(string) string) error {
			return size(&c.T3.AgentMemoryMax, v, 0)
		}},
	{Name: EnvT3ServerMemoryLow, Flag: "server-memory-low", Of: ForT3, Placeholder: "SIZE",
		Help: "Memory of the server's own that the kernel spares when the unit is short (memory.low, cgroup v2).", Default: "512M",
		set: func(c *Config, v string, _ func(string) string) error {
			return size(&c.T3.ServerMemoryLow, v, DefaultServerMemoryLow)
		}},
	{Name: EnvT3ServerMemoryMax, Flag: "server-memory-max", Of: ForT3, Placeholder: "SIZE",
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
	{Name: EnvAgentCgroupMemoryMax, Launch: true, NotInFile: true,
		Help: "Set by t3-serve-launch for its server's agents: each agent cgroup's memory.max, in bytes.", DefaultHelp: "none",
		set: func(c *Config, v string, _ func(string) string) error {
			c.AgentCgroupMemoryMax = 0
			if v == "" {
				return nil
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil || n == 0 {
				return bad("is not a number of bytes")
			}
			c.AgentCgroupMemoryMax = n
			return nil
		}},
	{Name: EnvT3AgentOOMScoreAdj, Flag: "agent-oom-score-adj", Of: ForT3, Placeholder: "N",
		Help: "oom_score_adj that every process the server starts gets (agents through claude-launch give it themselves), so the kernel picks them before the server; 0 leaves them alone.", Default: "500",
		set: func(c *Config, v string, _ func(string) string) error {
			return integer(&c.T3.AgentOOMScoreAdj, v, DefaultAgentOOMScoreAdj, 0, 1000)
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

// LookupFlag returns the setting whose flag is flag, nil if none.
func LookupFlag(flag string) *Setting {
	for _, s := range Settings {
		if s.Flag != "" && s.Flag == flag {
			return s
		}
	}
	return nil
}
