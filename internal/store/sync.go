// Package store writes what package token reads (env file, negative cache), the lock and claude-auth-sync's state; claude-launch links none of it.
package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/pkg/token"
	"golang.org/x/sys/unix"
)

// Lookup asks the source (Vault) for the token; only its answer "none" wraps token.ErrNoToken, and any other error leaves the disk as it is.
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
	Token  token.Secret // now in the env file, zero if none
}

// Sync makes the env file match the source under the lock (concurrent callers do one look-up; ctx bounds it all): a token replaces it atomically,
// "none" removes it (negative cache), a failed look-up changes nothing. With onMiss (a launcher's call) it stops at a file or a fresh "none".
func Sync(ctx context.Context, c *config.Config, lookup Lookup, onMiss bool) (SyncResult, error) {
	if c.EnvFile == "" {
		return SyncResult{}, errors.New("no env file path: set HOME or " + config.EnvEnvFile)
	}
	if err := EnsureDir(filepath.Dir(c.EnvFile), EnvFileHint); err != nil {
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
		res := SyncResult{Action: ActionAbsent}
		if _, err := os.Lstat(c.EnvFile); err == nil {
			res.Action = ActionRemoved
		}
		if err := Remove(c.EnvFile, "remove env file"); err != nil {
			return SyncResult{}, err
		}
		return res, RecordNegative(neg, token.OutcomeAbsent)
	}
	if err != nil {
		if onMiss {
			_ = RecordNegative(neg, token.OutcomeError) // spares the launchers queued behind this one the same wait
		}
		return SyncResult{}, err
	}
	if old, err := token.ReadEnvFile(c.EnvFile, config.SyncCommand); err == nil && old.Equal(tok) {
		return SyncResult{Action: ActionUnchanged, Token: tok}, Remove(neg.Path, "clear negative result")
	}
	if err := WriteEnvFile(c.EnvFile, tok); err != nil {
		return SyncResult{}, err
	}
	if err := Remove(neg.Path, "clear negative result"); err != nil {
		return SyncResult{}, fmt.Errorf("env file written, but: %w", err)
	}
	return SyncResult{Action: ActionWritten, Token: tok}, nil
}

// Lock takes an exclusive flock on path, waiting until ctx ends; unlock releases it, as the kernel does at exit, so a crashed holder wedges no one.
func Lock(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, fmt.Errorf("lock file %s: %w: it is not a regular file; remove it", path, token.ErrInsecureFile)
	}
	try := func() error { return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) }
	for err = try(); err == unix.EWOULDBLOCK || err == unix.EINTR; err = try() {
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("another look-up holds %s and did not finish in time: %w", path, ctx.Err())
		case <-time.After(10 * time.Millisecond): // poll the held lock
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { _ = f.Close() }, nil
}

// RecordNegative remembers outcome in n as of now.
func RecordNegative(n *token.NegativeCache, o token.Outcome) error {
	if err := WriteAtomic(n.Path, n.Entry(o)); err != nil {
		return fmt.Errorf("record negative result: %w", err)
	}
	return nil
}
