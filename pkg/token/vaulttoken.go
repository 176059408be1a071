package token

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
)

// ErrNoVaultToken means neither VAULT_TOKEN nor ~/.vault-token holds a token: Vault is not set up, so nothing to ask.
var ErrNoVaultToken = errors.New("no Vault token: set VAULT_TOKEN or run `vault login`")

// ReadVaultToken returns the Vault token as the Vault CLI finds it (VAULT_TOKEN,
// else ~/.vault-token), ErrNoVaultToken for none, or why the file is unusable.
func ReadVaultToken(getenv func(string) string) (string, error) {
	if t := strings.TrimSpace(getenv("VAULT_TOKEN")); t != "" {
		return t, nil
	}
	home := getenv("HOME")
	if !filepath.IsAbs(home) {
		return "", ErrNoVaultToken
	}
	b, err := ReadSmallFile(filepath.Join(home, ".vault-token"), "Vault token file", Owned, " and run `vault login`")
	t := strings.TrimSpace(b) // "" on an error
	if errors.Is(err, fs.ErrNotExist) || err == nil && t == "" {
		return "", ErrNoVaultToken
	}
	return t, err
}

// HasVaultToken is the one rule for whether Vault is set up; an unusable token file counts, so that the look-up reports it.
func HasVaultToken(getenv func(string) string) bool {
	_, err := ReadVaultToken(getenv)
	return !errors.Is(err, ErrNoVaultToken)
}
