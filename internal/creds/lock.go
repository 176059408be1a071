package creds

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// claude's own lock around a refresh, as the installed CLI (2.1.332) takes
// it: proper-lockfile's mkdir lock on <config dir>/.oauth_refresh.lock,
// stale after 60 s, its mtime refreshed every 5 s while held; and the
// legacy lock of older versions, <realpath(config dir)>.lock.
// TestClaudeLockMatchesInstalledCLI re-reads these from the installed
// binary.
const (
	ClaudeLockName  = ".oauth_refresh.lock"
	ClaudeLockStale = 60 * time.Second
)

// ErrClaudeBusy means claude held its refresh lock for as long as the
// caller would wait: a refresh is under way, so the file must not be
// touched now.
var ErrClaudeBusy = errors.New("claude holds its refresh lock")

// lockPoll is how often a held lock is retried.
const lockPoll = 50 * time.Millisecond

// claudeLocks takes claude's refresh locks for dir, waiting until ctx
// ends, and returns the function that releases them. A lock is broken
// only when it is stale under claude's own rules (Lock.Stale: older than
// ClaudeLockStale and its holder, named by the owner file, provably
// dead); the legacy lock, which the same owner file covers, likewise.
func claudeLocks(ctx context.Context, dir string) (release func(), err error) {
	paths := []string{filepath.Join(dir, ClaudeLockName), legacyLock(dir)}
	var held []string
	release = func() {
		for i := len(held) - 1; i >= 0; i-- {
			_ = os.Remove(held[i])
		}
	}
	// Judged once, before this takes anything: the owner file speaks for
	// both locks of the holder it names.
	l, lerr := InspectLock(dir)
	dead := lerr == nil && l.Held && l.Dead()
	stale := func() bool { return dead }
	for _, p := range paths {
		if err := mkdirLock(ctx, p, stale); err != nil {
			release()
			return nil, err
		}
		held = append(held, p)
	}
	if dead {
		_ = os.Remove(filepath.Join(dir, ClaudeLockOwner)) // the dead holder's
	}
	return release, nil
}

func mkdirLock(ctx context.Context, p string, stale func() bool) error {
	for {
		err := os.Mkdir(p, 0o700)
		if err == nil {
			return nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		if fi, serr := os.Lstat(p); serr == nil && time.Since(fi.ModTime()) > ClaudeLockStale && stale() {
			_ = os.Remove(p) // a dead holder's; then try again at once
			continue
		}
		select {
		case <-ctx.Done():
			return ErrClaudeBusy
		case <-time.After(lockPoll):
		}
	}
}
