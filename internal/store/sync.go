package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// Lookup asks the source of truth (Vault) for the token. It returns
// token.ErrNoToken, wrapped or not, only when the source answered, in its
// own terms, that there is none; any other error means no such answer was
// had, and nothing on disk may change because of it.
type Lookup func(ctx context.Context) (token.Secret, error)

// Action is what Sync did.
type Action string

const (
	ActionWritten   Action = "written"   // the env file now holds a new token
	ActionUnchanged Action = "unchanged" // the env file already held it
	ActionRemoved   Action = "removed"   // the source has none; the file is gone
	ActionAbsent    Action = "absent"    // the source has none, nor had the file
	ActionPresent   Action = "present"   // on-miss: another process wrote the file
	ActionCached    Action = "cached"    // on-miss: a recent look-up found none
)

// SyncResult reports a Sync.
type SyncResult struct {
	Action Action
	// Token is the token now in the env file, zero if none.
	Token token.Secret
}

// ErrNoEnvFile means no env file path is known: no home directory and no
// CLAUDE_LAUNCH_ENV_FILE.
var ErrNoEnvFile = errors.New("no env file path: set HOME or " + config.EnvEnvFile)

// Sync makes the env file match the source, under the lock, so that any
// number of concurrent callers do one look-up between them. ctx bounds it
// all, the wait for the lock included.
//
// With onMiss (the launcher's call), it first checks again, under the lock,
// whether the env file appeared or a fresh negative result was recorded
// while it waited, and if so does nothing.
//
// A token from the source replaces the file atomically; an authoritative
// "none" removes it and is remembered in the negative cache; a failed
// look-up leaves the file exactly as it was.
func Sync(ctx context.Context, c *config.Config, lookup Lookup, onMiss bool) (SyncResult, error) {
	if c.EnvFile == "" {
		return SyncResult{}, ErrNoEnvFile
	}
	if err := EnsureDir(filepath.Dir(c.EnvFile)); err != nil {
		return SyncResult{}, err
	}
	unlock, err := Lock(ctx, c.LockFile())
	if err != nil {
		return SyncResult{}, err
	}
	defer unlock()

	neg := c.NegativeCache()
	if onMiss {
		if _, err := os.Lstat(c.EnvFile); err == nil {
			return SyncResult{Action: ActionPresent}, nil
		}
		if fresh, _ := neg.Fresh(); fresh {
			return SyncResult{Action: ActionCached}, nil
		}
	}

	tok, err := lookup(ctx)
	if errors.Is(err, token.ErrNoToken) {
		_, statErr := os.Lstat(c.EnvFile)
		if err := RemoveEnvFile(c.EnvFile); err != nil {
			return SyncResult{}, err
		}
		if err := RecordNegative(neg, token.OutcomeAbsent); err != nil {
			return SyncResult{}, err
		}
		if statErr == nil {
			return SyncResult{Action: ActionRemoved}, nil
		}
		return SyncResult{Action: ActionAbsent}, nil
	}
	if err != nil {
		if onMiss {
			// Spare the launchers queued behind this one the same wait.
			_ = RecordNegative(neg, token.OutcomeError)
		}
		return SyncResult{}, err
	}
	if old, err := token.ReadEnvFile(c.EnvFile, config.SyncCommand); err == nil && old.Equal(tok) {
		return SyncResult{Action: ActionUnchanged, Token: tok}, ClearNegative(neg)
	}
	if err := WriteEnvFile(c.EnvFile, tok); err != nil {
		return SyncResult{}, err
	}
	if err := ClearNegative(neg); err != nil {
		return SyncResult{}, fmt.Errorf("env file written, but: %w", err)
	}
	return SyncResult{Action: ActionWritten, Token: tok}, nil
}
