package config

import (
	"os"
	"strconv"

	"github.com/claude-launch/claude-launch/pkg/token"
)

// LockFile is the lock that serialises look-ups for this env file.
func (c *Config) LockFile() string { return c.EnvFile + ".lock" }

// NegativeCache records the last "no setup_token" answer. Its key changes with any change of where
// the token is looked up, which makes a recorded answer stale.
func (c *Config) NegativeCache() *token.NegativeCache {
	key := "v1 uid=" + strconv.Itoa(os.Geteuid()) + " addr=" + c.VaultAddr + " ns=" + c.VaultNamespace +
		" mount=" + c.VaultMount + " path=" + c.VaultPath + " field=" + c.VaultField
	return &token.NegativeCache{Path: c.EnvFile + ".negative", Key: key, TTL: c.NegativeTTL}
}

// SyncCommand rewrites the env file from Vault: the hint for a bad one.
const SyncCommand = "claude-auth-sync sync"

// Resolver resolves these settings: getenv reads the Vault token (never from the config file), fetch
// runs on a miss.
func (c *Config) Resolver(getenv func(string) string, fetch token.Fetcher) *token.Resolver {
	return &token.Resolver{Disabled: c.Disabled, EnvFile: c.EnvFile, Rewrite: SyncCommand, Timeout: c.VaultTimeout,
		Negative: c.NegativeCache, HasVaultToken: func() bool { return token.HasVaultToken(getenv) }, Fetch: fetch}
}

// NoAnswer is the message for a Vault that gave no answer within the bound, the same whichever
// program gave up waiting.
func (c *Config) NoAnswer() string {
	addr, hint := c.VaultAddr, "check VAULT_ADDR and the network, or raise "+EnvVaultTimeout
	if addr == "" {
		addr, hint = DefaultVaultAddr, UnsetVaultAddr
	}
	return "vault at " + addr + " did not answer within " + FormatDuration(c.VaultTimeout) + "; " + hint
}

// UnsetVaultAddr is what to do when Vault's default address, taken as VAULT_ADDR is not set, gives no
// answer.
const UnsetVaultAddr = "that is the default address, as VAULT_ADDR is not set: set VAULT_ADDR to your Vault server in the config file " +
	"(~/.config/claude-launch/config)"
