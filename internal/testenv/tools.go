// Package testenv finds and starts the real components the tests run
// against: a Vault dev server and a three-node Vault cluster with TLS on
// loopback (vault.go, cluster.go, pki.go), the claude CLI from npm, the
// tools' cache, the programs built as installed (build.go), the docs'
// generated sections (docs.go). A test whose
// component is absent skips with the command that installs it, unless
// CLAUDE_LAUNCH_REQUIRE_TOOLS=1 (set by CI), which turns the skip into a
// failure so that nothing is silently untested.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RequireEnv is the variable that makes a missing tool fail a test.
const RequireEnv = "CLAUDE_LAUNCH_REQUIRE_TOOLS"

// Versions of the cached tools; scripts/install-*.sh use the same.
const (
	VaultVersion  = "1.21.0"
	ClaudeVersion = "2.1.332"
	// AgentSDKVersion is the Claude Agent SDK scripts/install-agent-sdk.sh
	// installs (CLAUDE_AGENT_SDK_VERSION there).
	AgentSDKVersion = "0.3.333"
)

// CacheDir is where scripts/install-*.sh keep the tools, outside any
// checkout so that every clone reuses them.
func CacheDir() string {
	if d := os.Getenv("CLAUDE_LAUNCH_CACHE"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "claude-launch")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "claude-launch")
}

// Missing skips t, or fails it when tools are required, saying how to
// install what is missing.
func Missing(t testing.TB, what, install string) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s is required (%s=1) but missing: %s", what, RequireEnv, install)
	}
	t.Skipf("%s is missing: %s (set %s=1 to fail instead)", what, install, RequireEnv)
}

// VaultPath returns the Vault binary: $VAULT_BIN, the cached build, or
// vault in PATH; "" when there is none.
func VaultPath() string {
	return tool("VAULT_BIN", filepath.Join(CacheDir(), "vault-"+VaultVersion, "bin", "vault"), "vault")
}

// ClaudePath returns the real claude CLI: $CLAUDE_BIN or the cached npm
// install; "" when there is none. PATH is not searched: the claude there
// may be a launcher.
func ClaudePath() string {
	return tool("CLAUDE_BIN", filepath.Join(CacheDir(), "claude-code-"+ClaudeVersion, "node_modules", ".bin", "claude"), "")
}

// AgentSDK returns the directory of the Claude Agent SDK's package (the
// cached npm install; $AGENT_SDK_DIR overrides), or skips t.
func AgentSDK(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("AGENT_SDK_DIR")
	if dir == "" {
		dir = filepath.Join(CacheDir(), "claude-agent-sdk-"+AgentSDKVersion, "node_modules", "@anthropic-ai", "claude-agent-sdk")
	}
	if _, err := os.Stat(filepath.Join(dir, "sdk.mjs")); err != nil {
		Missing(t, "the Claude Agent SDK", "run `make tools` (scripts/install-agent-sdk.sh)")
	}
	return dir
}

// Vault returns the Vault binary or skips t.
func Vault(t testing.TB) string {
	t.Helper()
	return need(t, VaultPath(), "the vault binary", "run `make tools` (scripts/install-vault.sh)")
}

// Claude returns the real claude CLI or skips t.
func Claude(t testing.TB) string {
	t.Helper()
	return need(t, ClaudePath(), "the claude CLI", "run `make tools` (scripts/install-claude.sh)")
}

func need(t testing.TB, path, what, install string) string {
	t.Helper()
	if path == "" {
		Missing(t, what, install)
	}
	return path
}

func tool(env, cached, name string) string {
	if p := os.Getenv(env); p != "" {
		return p
	}
	if fi, err := os.Stat(cached); err == nil && fi.Mode()&0o111 != 0 {
		return cached
	}
	if name != "" {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Tool returns the program called name from PATH, or skips t (fails it
// when tools are required) saying how to install it.
func Tool(t testing.TB, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, install)
	}
	return p
}
