// Package token resolves a user's Claude Code setup token and reads it safely from disk (what writes is in
// internal/store). It links only the standard library: it runs before every agent (docs/startup.md).
package token

import (
	"errors"
	"io/fs"
	"time"
)

// Source says where a resolved token came from.
type Source string

const (
	SourceDisabled Source = "disabled" // the kill switch is on; nothing was looked at
	SourceEnvFile  Source = "env-file" // the env file was present and safe
	SourceVault    Source = "vault"    // the env file was missing and a fetch wrote it
	SourceNone     Source = "none"     // no token; claude keeps its own login
)

// Result is the outcome of a resolution: Token for SourceEnvFile and SourceVault, else a Reason (for logs) why none.
type Result struct {
	Token  Secret
	Source Source
	Reason string
}

// Fetcher writes the env file from Vault on a miss, or records a negative
// result, giving up at deadline (no context: the per-launch binary lacks it).
type Fetcher func(deadline time.Time) error

// Resolver runs the order every launcher shares: kill switch, env file, a fetch on a miss, nothing.
type Resolver struct {
	Disabled bool          // the kill switch: resolve nothing, touch nothing
	EnvFile  string        // the env file's path; "" without a home directory
	Rewrite  string        // the command that rewrites the env file, for hints
	Timeout  time.Duration // bounds the fetch on a miss
	// Asked only on a miss: the negative cache to consult, and whether Vault is set up.
	Negative      func() *NegativeCache
	HasVaultToken func() bool
	Fetch         Fetcher // called on a miss; nil means never fetch
}

// Resolve finds the setup token: always a usable Result, and an error is a
// warning for the user. With SourceNone the caller leaves the environment as it was.
func (r *Resolver) Resolve() (Result, error) {
	if r.Disabled {
		return Result{Source: SourceDisabled, Reason: "kill switch"}, nil
	}
	if r.EnvFile == "" {
		return Result{Source: SourceNone, Reason: "no home directory, so no env file"}, nil
	}
	source := SourceEnvFile
	tok, err := ReadEnvFile(r.EnvFile, r.Rewrite)
	if errors.Is(err, fs.ErrNotExist) {
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
		source = SourceVault
		ferr := r.Fetch(time.Now().Add(r.Timeout))
		if tok, err = ReadEnvFile(r.EnvFile, r.Rewrite); errors.Is(err, fs.ErrNotExist) {
			if ferr != nil {
				return Result{Source: SourceNone, Reason: "Vault look-up failed"}, ferr
			}
			return Result{Source: SourceNone, Reason: "Vault has no setup token"}, nil
		}
	}
	if err != nil {
		return Result{Source: SourceNone, Reason: "env file refused"}, err
	}
	return Result{Token: tok, Source: source}, nil
}
