package config

import "time"

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
	// t3-serve joins, with AgentCgroupMemoryMax as its memory.max; "" for
	// none. t3-serve-launch sets both for its server's agents, from
	// T3.AgentMemoryMax.
	AgentCgroup          string
	AgentCgroupMemoryMax uint64
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
	// AgentMemoryMax is the memory limit of each agent's cgroup the user
	// asks for (T3_SERVE_LAUNCH_AGENT_MEMORY_MAX), 0 for half of MemoryHigh;
	// the server's agents get it as Config.AgentCgroupMemoryMax.
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
