package token

import (
	"os"
	"path/filepath"
)

// VaultTokenFile is where the Vault CLI keeps the token of `vault login`:
// ~/.vault-token, or "" without a home directory.
func VaultTokenFile(getenv func(string) string) string {
	home := getenv("HOME")
	if !filepath.IsAbs(home) {
		return ""
	}
	return filepath.Join(home, ".vault-token")
}

// HasVaultToken reports, without reading it, whether a Vault token is at
// hand (VAULT_TOKEN, or ~/.vault-token). Without one the user has not set
// Vault up and there is nothing to ask, so resolution skips Vault without a
// sound.
func HasVaultToken(getenv func(string) string) bool {
	if getenv("VAULT_TOKEN") != "" {
		return true
	}
	p := VaultTokenFile(getenv)
	if p == "" {
		return false
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Size() > 0
}
