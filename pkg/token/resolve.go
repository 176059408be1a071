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
// env file, a fetch on a miss, nothing. Package config builds one from the
// settings.
type Resolver struct {
	// Disabled is the kill switch: resolve nothing, touch nothing.
	Disabled bool
	// EnvFile is the env file's path; "" when there is no home directory.
	EnvFile string
	// Rewrite is the command that rewrites the env file, for hints.
	Rewrite string
	// Timeout bounds the fetch on a miss.
	Timeout time.Duration
	// Negative returns the negative cache consulted before a fetch; asked
	// only on a miss.
	Negative func() *NegativeCache
	// HasVaultToken reports whether Vault is set up at all; asked only on
	// a miss.
	HasVaultToken func() bool
	// Fetch is called on a miss; nil means never fetch.
	Fetch Fetcher
}

// Resolve finds the setup token. It always returns a usable Result; a
// non-nil error is a warning for the user (an unsafe env file, a failed
// look-up) and never contains the token. With SourceNone the caller must
// leave the environment exactly as it was.
func (r *Resolver) Resolve() (Result, error) {
	if r.Disabled {
		return Result{Source: SourceDisabled, Reason: "kill switch"}, nil
	}
	if r.EnvFile == "" {
		return Result{Source: SourceNone, Reason: "no home directory, so no env file"}, nil
	}
	tok, err := ReadEnvFile(r.EnvFile, r.Rewrite)
	if err == nil {
		return Result{Token: tok, Source: SourceEnvFile}, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return Result{Source: SourceNone, Reason: "env file refused"}, err
	}
	if r.Fetch == nil {
		return Result{Source: SourceNone, Reason: "no env file"}, nil
	}
	if r.HasVaultToken != nil && !r.HasVaultToken() {
		return Result{Source: SourceNone, Reason: "no env file and no Vault token"}, nil
	}
	if r.Negative != nil {
		if fresh, outcome := r.Negative().Fresh(); fresh {
			return Result{Source: SourceNone, Reason: "recent Vault look-up: " + string(outcome)}, nil
		}
	}
	ferr := r.Fetch(time.Now().Add(r.Timeout))
	tok, err = ReadEnvFile(r.EnvFile, r.Rewrite)
	switch {
	case err == nil:
		return Result{Token: tok, Source: SourceVault}, nil
	case !errors.Is(err, fs.ErrNotExist):
		return Result{Source: SourceNone, Reason: "env file refused"}, err
	case ferr != nil:
		return Result{Source: SourceNone, Reason: "Vault look-up failed"}, ferr
	}
	return Result{Source: SourceNone, Reason: "Vault has no setup token"}, nil
}
