package config

import "time"

// Names of the settings: part of the interface, as users, scripts and units rely on them.
const (
	EnvConfig        = "CLAUDE_LAUNCH_CONFIG"
	EnvDisable       = "CLAUDE_LAUNCH_DISABLE"
	EnvClaude        = "CLAUDE_LAUNCH_CLAUDE"
	EnvEnvFile       = "CLAUDE_LAUNCH_ENV_FILE"
	EnvVaultMount    = "CLAUDE_LAUNCH_VAULT_MOUNT"
	EnvVaultPath     = "CLAUDE_LAUNCH_VAULT_PATH"
	EnvVaultField    = "CLAUDE_LAUNCH_VAULT_FIELD"
	EnvVaultTimeout  = "CLAUDE_LAUNCH_VAULT_TIMEOUT"
	EnvNegativeTTL   = "CLAUDE_LAUNCH_NEGATIVE_TTL"
	EnvLogLevel      = "CLAUDE_LAUNCH_LOG_LEVEL"
	EnvDepth         = "CLAUDE_LAUNCH_DEPTH"
	EnvMetricsFile   = "CLAUDE_LAUNCH_METRICS_FILE"
	EnvOOMScoreAdj   = "CLAUDE_LAUNCH_OOM_SCORE_ADJ"
	EnvStateDir      = "CLAUDE_LAUNCH_STATE_DIR"
	EnvBackups       = "CLAUDE_LAUNCH_BACKUPS"
	EnvPaneMemoryMax = "CLAUDE_LAUNCH_PANE_MEMORY_MAX"

	// claude's own: where it keeps its login. From the environment only, as claude reads it: one in
	// the config file would guard a directory claude does not use.
	EnvClaudeConfigDir = "CLAUDE_CONFIG_DIR"

	// Vault's own, as its CLI reads them; they may stand in the config file too, so that a timer that
	// never saw a shell finds Vault. VAULT_TOKEN is a secret and may not.
	EnvVaultAddr      = "VAULT_ADDR"
	EnvVaultCACert    = "VAULT_CACERT"
	EnvVaultCAPath    = "VAULT_CAPATH"
	EnvVaultNamespace = "VAULT_NAMESPACE"
	EnvVaultToken     = "VAULT_TOKEN"

	// t3-serve-launch's own.
	EnvT3Server           = "T3_SERVE_LAUNCH_SERVER"
	EnvT3MemoryHigh       = "T3_SERVE_LAUNCH_MEMORY_HIGH"
	EnvT3MemoryMax        = "T3_SERVE_LAUNCH_MEMORY_MAX"
	EnvT3SwapMax          = "T3_SERVE_LAUNCH_SWAP_MAX"
	EnvT3OOMPolicy        = "T3_SERVE_LAUNCH_OOM_POLICY"
	EnvT3Scope            = "T3_SERVE_LAUNCH_SCOPE"
	EnvT3AllowUncapped    = "T3_SERVE_LAUNCH_ALLOW_UNCAPPED"
	EnvT3AgentOOMScoreAdj = "T3_SERVE_LAUNCH_AGENT_OOM_SCORE_ADJ"
	EnvT3AgentMemoryMax   = "T3_SERVE_LAUNCH_AGENT_MEMORY_MAX"
	EnvT3ServerMemoryLow  = "T3_SERVE_LAUNCH_SERVER_MEMORY_LOW"
	EnvT3ServerMemoryMax  = "T3_SERVE_LAUNCH_SERVER_MEMORY_MAX"

	// Set by t3-serve-launch for its server's agents: their cgroups' directory, each one's memory limit.
	EnvAgentCgroup          = "CLAUDE_LAUNCH_AGENT_CGROUP"
	EnvAgentCgroupMemoryMax = "CLAUDE_LAUNCH_AGENT_MEMORY_MAX"
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

	// MaxVaultTimeout bounds CLAUDE_LAUNCH_VAULT_TIMEOUT, so that no agent waits long for Vault.
	MaxVaultTimeout = time.Minute
)
