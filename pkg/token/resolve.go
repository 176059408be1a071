package token

import (
	"errors"
	"io/fs"
	"time"
)

// Source says where a resolved token came from.
type Source string

const (
	// SourceDisabled: the kill switch is on; nothing was looked at.
	SourceDisabled Source = "disabled"
	// SourceEnvFile: the env file was present and safe.
	SourceEnvFile Source = "env-file"
	// SourceVault: the env file was missing and a fetch wrote it.
	SourceVault Source = "vault"
	// SourceNone: no token; claude keeps its own login.
	SourceNone Source = "none"
)

// Result is the outcome of a resolution.
type Result struct {
	// Token is zero unless Source is SourceEnvFile or SourceVault.
	Token  Secret
	Source Source
	// Reason says, for SourceNone and SourceDisabled, why; for logs.
	Reason string
}

// Fetcher materializes the env file from Vault on a miss, or records a
// negative result, giving up at deadline (the look-up bound). It takes a
// deadline rather than a context so that the per-launch binary need not
// link the context machinery.
type Fetcher func(deadline time.Time) error

// Resolver runs the resolution order shared by every launcher: kill switch,
// env file, a fetch on a miss, nothing.
type Resolver struct {
	Config Config
	// Getenv reads the environment (os.Getenv in production).
	Getenv func(string) string
	// Fetch is called on a miss; nil means never fetch.
	Fetch Fetcher
}

// Resolve finds the setup token. It always returns a usable Result; a
// non-nil error is a warning for the user (an unsafe env file, a failed
// look-up) and never contains the token. With SourceNone the caller must
// leave the environment exactly as it was.
func (r *Resolver) Resolve() (Result, error) {
	c := r.Config
	if c.Disabled {
		return Result{Source: SourceDisabled, Reason: EnvDisable + "=1"}, nil
	}
	if c.EnvFile == "" {
		return Result{Source: SourceNone, Reason: "no home directory, so no env file"}, nil
	}
	tok, err := ReadEnvFile(c.EnvFile)
	if err == nil {
		return Result{Token: tok, Source: SourceEnvFile}, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return Result{Source: SourceNone, Reason: "env file refused"}, err
	}
	if r.Fetch == nil {
		return Result{Source: SourceNone, Reason: "no env file"}, nil
	}
	if !HasVaultToken(r.Getenv) {
		return Result{Source: SourceNone, Reason: "no env file and no Vault token"}, nil
	}
	if fresh, outcome := NewNegativeCache(c).Fresh(); fresh {
		return Result{Source: SourceNone, Reason: "recent Vault look-up: " + string(outcome)}, nil
	}
	ferr := r.Fetch(time.Now().Add(c.VaultTimeout))
	tok, err = ReadEnvFile(c.EnvFile)
	switch {
	case err == nil:
		return Result{Token: tok, Source: SourceVault}, nil
	case !errors.Is(err, fs.ErrNotExist):
		return Result{Source: SourceNone, Reason: "env file refused"}, err
	case ferr != nil:
		return Result{Source: SourceNone, Reason: "Vault look-up failed"}, wrap("look up setup token: ", ferr, "")
	}
	return Result{Source: SourceNone, Reason: "Vault has no setup token"}, nil
}
