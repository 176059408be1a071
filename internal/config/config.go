package config

import "time"

// Config is every setting, as read.
type Config struct {
	File     string // the config file that was read, "" if none
	Disabled bool   // the kill switch: resolve nothing, touch nothing
	// Claude is the real claude: an absolute path, or a name to look up in PATH; "" to search PATH.
	Claude  string
	EnvFile string // "" when no home directory is known
	// VaultMount, VaultPath (with {user}) and VaultField locate the token.
	VaultMount, VaultPath, VaultField string
	VaultTimeout                      time.Duration // bounds the whole look-up, lock wait included
	NegativeTTL                       time.Duration // how long a "no setup_token" answer is believed
	LogLevel                          Level         // the least severe message shown
	MetricsFile                       string        // a sync's textfile-collector output, "" for none
	// StateDir holds claude-auth-sync's state and the login's backups; "" when no home is known.
	StateDir        string
	Backups         int    // how many backups of the rotating login are kept
	ClaudeConfigDir string // claude's config directory, which holds its login
	// OOMScoreAdj is the oom_score_adj a launcher raises itself to, when OOMScoreAdjSet.
	OOMScoreAdj    int
	OOMScoreAdjSet bool
	PaneMemoryMax  uint64 // each claude-agents pane's agent's MemoryMax; Unlimited for none
	Depth          int    // the recursion marker a launcher found
	// AgentCgroup is the agents' cgroup directory a launcher started by t3-serve joins, with
	// AgentCgroupMemoryMax as its memory.max; "" for none. t3-serve-launch sets both.
	AgentCgroup          string
	AgentCgroupMemoryMax uint64
	// Vault's connection settings, as the Vault CLI names them.
	VaultAddr, VaultCACert, VaultCAPath, VaultNamespace string

	T3 T3
}

// T3 is t3-serve-launch's own part.
type T3 struct {
	Server string // the real t3-serve, as Config.Claude is the real claude
	// MemoryHigh, MemoryMax and SwapMax are the caps in bytes; MemoryHighSet says MemoryHigh was given.
	MemoryHigh, MemoryMax, SwapMax uint64
	MemoryHighSet                  bool
	// AgentMemoryMax is each agent's cgroup limit asked for, 0 for half of MemoryHigh; the server's
	// agents get it as Config.AgentCgroupMemoryMax.
	AgentMemoryMax  uint64
	ServerMemoryLow uint64 // protects the server's own memory (memory.low)
	// ServerMemoryMax bounds the server with every process it starts that is not an agent; 0 for a
	// quarter of MemoryHigh.
	ServerMemoryMax  uint64
	OOMPolicy        string // the unit's OOMPolicy: continue, stop or kill
	Scope            string // the transient scope's name; "" for t3-serve-launch-PID
	AllowUncapped    bool   // start the server even without its caps
	AgentOOMScoreAdj int    // given to agents started under the server
}
