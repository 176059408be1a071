package config

import (
	"cmp"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// Setting is the one definition of a setting.
type Setting struct {
	Name, Flag           string // the environment variable and config file key; the long flag of the programs Of, "" for none
	Of                   Prog
	Placeholder, Help    string // names the value in help; one sentence saying what it does
	Default, DefaultHelp string // the default as one would write it; DefaultHelp describes a computed one instead
	NotInFile, Launch    bool   // the config file may not hold it; claude-launch reads it on every launch, and loads no other (Input.Launch)
	// set parses v into c, or applies the default (which never fails) when v is "".
	set func(c *Config, v string, getenv env) error
}

type env = func(string) string

// Prog is a set of the programs that take flags.
type Prog uint8

// The programs with flags.
const (
	ForSync Prog = 1 << iota // claude-auth-sync
	ForT3                    // t3-serve-launch
)

// FlagHelp is the help text of the setting's flag: its sentence, its default and its variable.
func (s *Setting) FlagHelp() string {
	d, h := cmp.Or(s.DefaultHelp, s.Default), s.Help
	if d != "" {
		h += " Default: " + d + "."
	}
	return h + " ($" + s.Name + ")"
}

// Settings is every setting, in help's order; constant entries, so it is data, not built on every launch.
var Settings = []*Setting{
	{Name: EnvConfig, Launch: true, Flag: "config", Of: ForSync | ForT3, Placeholder: "PATH", NotInFile: true,
		Help: "Config file of settings, in the env file's NAME=value syntax.", DefaultHelp: "${XDG_CONFIG_HOME:-~/.config}/claude-launch/config",
		set: func(c *Config, v string, getenv env) error { return pathOr(&c.File, v, DefaultConfigFile, getenv) }},
	{Name: EnvDisable, Launch: true, Placeholder: "1", Default: "0", Help: "1 turns the launcher off: claude keeps its own login, untouched.",
		set: func(c *Config, v string, _ env) error {
			return switchOn(&c.Disabled, v, true, "1: the launcher is off") // whoever set it to anything meant that
		}},
	{Name: EnvClaude, Launch: true, Flag: "claude", Of: ForSync, Placeholder: "PATH", DefaultHelp: "claude in PATH, skipping launchers",
		Help: "The real claude: an absolute path, or a name looked up in PATH.",
		set: func(c *Config, v string, _ env) error {
			return program(&c.Claude, v, "is a relative path, which would run a claude from whatever directory you stand in; give an absolute path",
				"claude in PATH")
		}},
	{Name: EnvEnvFile, Launch: true, Flag: "env-file", Of: ForSync | ForT3, Placeholder: "PATH", Help: "Env file that holds CLAUDE_CODE_OAUTH_TOKEN.",
		DefaultHelp: "${XDG_CONFIG_HOME:-~/.config}/claude-auth-sync/claude-oauth.env",
		set:         func(c *Config, v string, getenv env) error { return pathOr(&c.EnvFile, v, DefaultEnvFile, getenv) }},
	{Name: EnvVaultMount, Launch: true, Flag: "vault-mount", Of: ForSync | ForT3, Placeholder: "MOUNT", Default: DefaultVaultMount,
		Help: "Vault KV mount (version 1 or 2).",
		set:  func(c *Config, v string, _ env) error { return or(&c.VaultMount, v, DefaultVaultMount, vaultMount) }},
	{Name: EnvVaultPath, Launch: true, Flag: "vault-path", Of: ForSync | ForT3, Placeholder: "PATH", Default: DefaultVaultPath,
		Help: "Secret path below the mount; {user} is your login name, looked up by uid.",
		set:  func(c *Config, v string, _ env) error { return or(&c.VaultPath, v, DefaultVaultPath, vaultPath) }},
	{Name: EnvVaultField, Launch: true, Flag: "vault-field", Of: ForSync | ForT3, Placeholder: "FIELD", Default: DefaultVaultField,
		Help: "Field of the secret that holds the setup token.",
		set:  func(c *Config, v string, _ env) error { return or(&c.VaultField, v, DefaultVaultField, plainWord) }},
	{Name: EnvVaultTimeout, Launch: true, Flag: "vault-timeout", Of: ForSync | ForT3, Placeholder: "DURATION", Default: "2s",
		Help: "Bound on the whole Vault look-up, lock wait included.",
		set: func(c *Config, v string, _ env) error {
			return duration(&c.VaultTimeout, v, DefaultVaultTimeout, time.Minute)
		}},
	{Name: EnvNegativeTTL, Launch: true, Flag: "negative-ttl", Of: ForSync | ForT3, Placeholder: "DURATION", Default: "10m",
		Help: "How long an answer of \"no setup token\" is believed.",
		set: func(c *Config, v string, _ env) error {
			return duration(&c.NegativeTTL, v, 10*time.Minute, 24*time.Hour)
		}},
	{Name: EnvLogLevel, Launch: true, Flag: "log-level", Of: ForSync | ForT3, Placeholder: "LEVEL", Default: "warn",
		Help: "Least severe messages to show on stderr: debug, info, warn or error.",
		set:  func(c *Config, v string, _ env) error { return or(&c.LogLevel, v, LevelWarn, parseLevel) }},
	{Name: EnvMetricsFile, Flag: "metrics-file", Of: ForSync, Placeholder: "PATH", DefaultHelp: "none",
		Help: "Where sync writes its metrics for node_exporter's textfile collector (a *.prom file).",
		set:  func(c *Config, v string, _ env) error { return or(&c.MetricsFile, v, "", promFile) }},
	{Name: EnvStateDir, Flag: "state-dir", Of: ForSync, Placeholder: "DIR", DefaultHelp: "${XDG_STATE_HOME:-~/.local/state}/claude-auth-sync",
		Help: "Where claude-auth-sync keeps its state and the backups of your rotating login.",
		set:  func(c *Config, v string, getenv env) error { return pathOr(&c.StateDir, v, defaultStateDir, getenv) }},
	{Name: "CLAUDE_LAUNCH_BACKUPS", Flag: "backups", Of: ForSync, Placeholder: "N", Default: "5",
		Help: "How many backups of your rotating login to keep.",
		set:  func(c *Config, v string, _ env) error { return integer(&c.Backups, v, 5, 1, 100) }},
	{Name: "CLAUDE_CONFIG_DIR", NotInFile: true, DefaultHelp: "~/.claude", Help: "claude's own: the directory that holds its login, .credentials.json.",
		set: func(c *Config, v string, getenv env) error {
			return pathOr(&c.ClaudeConfigDir, v, func(getenv env) string { return underHome(getenv, "HOME", "", ".claude", "") }, getenv)
		}},
	{Name: EnvOOMScoreAdj, Launch: true, Placeholder: "N", DefaultHelp: "unchanged",
		Help: "Raise the launcher's oom_score_adj to this before the exec (t3-serve-launch sets it for its agents).",
		set: func(c *Config, v string, _ env) error {
			err := integer(&c.OOMScoreAdj, v, 0, -1000, 1000)
			c.OOMScoreAdjSet = v != "" && err == nil
			return err
		}},
	{Name: EnvPaneMemoryMax, Placeholder: "SIZE", Default: "4G",
		Help: "Memory cap of each agent that scripts/claude-agents starts in a tmux pane, in a systemd scope of its own (MemoryMax, no swap): " +
			"past it the agent is killed, whole, and started again; max for none.",
		set: func(c *Config, v string, _ env) error { return size(&c.PaneMemoryMax, v, DefaultPaneMemoryMax) }},
	{Name: EnvDepth, Launch: true, NotInFile: true, Help: "Set by the launcher for its child: the recursion guard.",
		set: func(c *Config, v string, _ env) error { return integer(&c.Depth, v, 0, 0, 1<<20) }},
	// Vault's own connection variables: any value, as the Vault CLI takes it.
	{Name: EnvVaultAddr, Launch: true, Help: "Vault's address, as for the Vault CLI.", Default: DefaultVaultAddr,
		set: func(c *Config, v string, _ env) error { c.VaultAddr = v; return nil }},
	{Name: EnvVaultCACert, Help: "CA certificate file that signs Vault's, as for the Vault CLI.",
		set: func(c *Config, v string, _ env) error { c.VaultCACert = v; return nil }},
	{Name: EnvVaultCAPath, Help: "Directory of CA certificates, as for the Vault CLI.",
		set: func(c *Config, v string, _ env) error { c.VaultCAPath = v; return nil }},
	{Name: EnvVaultNamespace, Launch: true, Help: "Vault Enterprise namespace, as for the Vault CLI.",
		set: func(c *Config, v string, _ env) error { c.VaultNamespace = v; return nil }},
	{Name: EnvT3Server, Flag: "server", Of: ForT3, Placeholder: "PATH", DefaultHelp: "t3 in PATH",
		Help: "The server: T3 Code's t3 (the unit runs t3 serve), an absolute path or a name looked up in PATH.",
		set: func(c *Config, v string, _ env) error {
			return program(&c.T3.Server, v, "is a relative path; give an absolute path", "t3 in PATH")
		}},
	{Name: EnvT3MemoryHigh, Flag: "memory-high", Of: ForT3, Placeholder: "SIZE", Default: "12G",
		Help: "Throttle the server's cgroup above this (MemoryHigh).",
		set: func(c *Config, v string, _ env) error {
			err := size(&c.T3.MemoryHigh, v, 12<<30)
			c.T3.MemoryHighSet = v != "" && err == nil
			return err
		}},
	{Name: EnvT3MemoryMax, Flag: "memory-max", Of: ForT3, Placeholder: "SIZE", Default: "16G",
		Help: "OOM-kill inside the server's cgroup above this (MemoryMax).",
		set:  func(c *Config, v string, _ env) error { return size(&c.T3.MemoryMax, v, DefaultMemoryMax) }},
	{Name: "T3_SERVE_LAUNCH_SWAP_MAX", Flag: "swap-max", Of: ForT3, Placeholder: "SIZE", Default: "0",
		Help: "Swap the cgroup may use (MemorySwapMax); 0 forbids swapping, which is what froze the machine.",
		set:  func(c *Config, v string, _ env) error { return size(&c.T3.SwapMax, v, 0) }},
	{Name: EnvT3OOMPolicy, Flag: "oom-policy", Of: ForT3, Placeholder: "POLICY", Default: "continue",
		Help: "What systemd does to the unit when one of its processes is OOM-killed: continue, stop or kill; continue keeps the server running.",
		set:  func(c *Config, v string, _ env) error { return or(&c.T3.OOMPolicy, v, "continue", oomPolicy) }},
	{Name: EnvT3Scope, Flag: "scope-name", Of: ForT3, Placeholder: "NAME", DefaultHelp: "t3-serve-launch-PID.scope",
		Help: "Name of the transient scope.",
		set:  func(c *Config, v string, _ env) error { return or(&c.T3.Scope, v, "", unitName) }},
	{Name: "T3_SERVE_LAUNCH_ALLOW_UNCAPPED", Flag: "allow-uncapped", Of: ForT3, Placeholder: "1", DefaultHelp: "refuse to start",
		Help: "Start t3-serve even when the caps cannot be put in place, with a loud warning.",
		set:  func(c *Config, v string, _ env) error { return switchOn(&c.T3.AllowUncapped, v, false, "") }},
	{Name: "T3_SERVE_LAUNCH_AGENT_MEMORY_MAX", Flag: "agent-memory-max", Of: ForT3, Placeholder: "SIZE", DefaultHelp: "half of MemoryHigh",
		Help: "Each agent's own memory limit (cgroup v2): past it the kernel kills that agent, whole, " +
			"before the unit reaches MemoryHigh and throttles everyone.",
		set: func(c *Config, v string, _ env) error { return size(&c.T3.AgentMemoryMax, v, 0) }},
	{Name: "T3_SERVE_LAUNCH_SERVER_MEMORY_LOW", Flag: "server-memory-low", Of: ForT3, Placeholder: "SIZE", Default: "512M",
		Help: "Memory of the server's own that the kernel spares when the unit is short (memory.low, cgroup v2).",
		set:  func(c *Config, v string, _ env) error { return size(&c.T3.ServerMemoryLow, v, 512<<20) }},
	{Name: EnvT3ServerMemoryMax, Flag: "server-memory-max", Of: ForT3, Placeholder: "SIZE", DefaultHelp: "a quarter of MemoryHigh",
		Help: "Bound on the server with every process it starts other than its agents (terminals, builds, codex, git; cgroup v2), " +
			"which never throttles: past it the kernel kills the one that grew, before the server and before the unit reaches MemoryHigh.",
		set: func(c *Config, v string, _ env) error { return size(&c.T3.ServerMemoryMax, v, 0) }},
	{Name: EnvAgentCgroup, Launch: true, NotInFile: true, DefaultHelp: "none",
		Help: "Set by t3-serve-launch for its server's agents: the directory of the agents' cgroups, each joining one of its own.",
		set:  func(c *Config, v string, _ env) error { return or(&c.AgentCgroup, v, "", absPath) }},
	{Name: EnvAgentCgroupMemoryMax, Launch: true, NotInFile: true, DefaultHelp: "none",
		Help: "Set by t3-serve-launch for its server's agents: each agent cgroup's memory.max, in bytes.",
		set:  func(c *Config, v string, _ env) error { return or(&c.AgentCgroupMemoryMax, v, 0, bytesCount) }},
	{Name: "T3_SERVE_LAUNCH_AGENT_OOM_SCORE_ADJ", Flag: "agent-oom-score-adj", Of: ForT3, Placeholder: "N", Default: "500",
		Help: "oom_score_adj that every process the server starts gets (agents through claude-launch give it themselves), " +
			"so the kernel picks them before the server; 0 leaves them alone.",
		set: func(c *Config, v string, _ env) error { return integer(&c.T3.AgentOOMScoreAdj, v, 500, 0, 1000) }},
}

// Lookup returns the setting called name (a variable), nil if none.
func Lookup(name string) *Setting { return find(func(s *Setting) bool { return s.Name == name }) }

// LookupFlag returns the setting whose flag is flag, nil if none.
func LookupFlag(flag string) *Setting {
	return find(func(s *Setting) bool { return flag != "" && s.Flag == flag })
}

func find(match func(*Setting) bool) *Setting {
	if i := slices.IndexFunc(Settings, match); i >= 0 {
		return Settings[i]
	}
	return nil
}

func vaultMount(v string) (string, error) { return vaultName(v, false) }
func vaultPath(v string) (string, error)  { return vaultName(v, true) }

func promFile(v string) (string, error) {
	p, err := absPath(v)
	if err == nil && filepath.Ext(p) != ".prom" {
		return "", bad("does not end in .prom, so node_exporter's textfile collector would not read it")
	}
	return p, err
}

func oomPolicy(v string) (string, error) {
	if v != "continue" && v != "stop" && v != "kill" {
		return "", bad("is not continue, stop or kill")
	}
	return v, nil
}

func bytesCount(v string) (uint64, error) {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n == 0 {
		return 0, bad("is not a number of bytes")
	}
	return n, nil
}
