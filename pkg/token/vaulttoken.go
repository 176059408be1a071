package token

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
)

// ErrNoVaultToken means no Vault token is at hand: VAULT_TOKEN is unset or
// blank and ~/.vault-token is missing or blank. The user has not set Vault
// up, so there is nothing to ask.
var ErrNoVaultToken = errors.New("no Vault token: set VAULT_TOKEN or run `vault login`")

// VaultTokenFile is where the Vault CLI keeps the token of `vault login`:
// ~/.vault-token, or "" without a home directory.
func VaultTokenFile(getenv func(string) string) string {
	home := getenv("HOME")
	if !filepath.IsAbs(home) {
		return ""
	}
	return filepath.Join(home, ".vault-token")
}

// ReadVaultToken returns the Vault token, as the Vault CLI finds it:
// VAULT_TOKEN, else the content of ~/.vault-token, surrounding blanks
// removed. It returns ErrNoVaultToken when there is none; any other error
// is a token file that cannot be used (not a regular file, another user's),
// which is worth a message. It never blocks on a FIFO.
func ReadVaultToken(getenv func(string) string) (string, error) {
	if t := strings.TrimSpace(getenv("VAULT_TOKEN")); t != "" {
		return t, nil
	}
	p := VaultTokenFile(getenv)
	if p == "" {
		return "", ErrNoVaultToken
	}
	b, err := ReadSmallFile(p, "Vault token file", Owned, " and run `vault login`")
	if errors.Is(err, fs.ErrNotExist) {
		return "", ErrNoVaultToken
	}
	if err != nil {
		return "", err
	}
	t := strings.TrimSpace(b)
	if t == "" {
		return "", ErrNoVaultToken
	}
	return t, nil
}

// HasVaultToken reports whether there is anything to ask Vault with: the
// one rule every program uses to decide whether Vault is set up. A token
// file that exists but cannot be used counts, so that the look-up reports
// it instead of staying silent.
func HasVaultToken(getenv func(string) string) bool {
	_, err := ReadVaultToken(getenv)
	return !errors.Is(err, ErrNoVaultToken)
}
