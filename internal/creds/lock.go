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
	// lockFresh: a lock touched less long ago (or ahead) has a live holder
	// (three of claude's 5 s heartbeats).
	lockFresh = 15 * time.Second
)

// ErrClaudeBusy means a live claude held its refresh lock for as long as
// the caller would wait: a refresh is under way, so the file must not be
// touched now.
var ErrClaudeBusy = errors.New("claude holds its refresh lock")

// lockPoll is how often a held lock is retried.
const lockPoll = 50 * time.Millisecond

// Lock is claude's refresh lock of a config dir (or the legacy one, which
// an older claude takes alone), judged by its mtime as claude judges it:
// claude's owner file beside it is its private format, never read here.
type Lock struct {
	Path  string
	Held  bool
	MTime time.Time
}

// Live says a claude keeps the lock: its mtime is within three heartbeats.
func (l Lock) Live(now time.Time) bool {
	age := now.Sub(l.MTime)
	return l.Held && age < lockFresh && age > -lockFresh
}

// Stale says claude's own rule lets anyone break the lock: no heartbeat
// for longer than ClaudeLockStale.
func (l Lock) Stale(now time.Time) bool { return l.Held && now.Sub(l.MTime) > ClaudeLockStale }

// Problem says, for a lock that no live claude keeps, what it does and how
// to clear it; "" when it is not held or a live claude keeps it.
func (l Lock) Problem(now time.Time) string {
	age := now.Sub(l.MTime)
	rm := "; if no claude is refreshing now, run `rmdir " + l.Path + "`"
	switch {
	case !l.Held || l.Live(now):
		return ""
	case age < 0:
		return "claude's refresh lock " + l.Path + " is dated " + l.MTime.UTC().Format(time.RFC3339) +
			", in the future, and no claude keeps it: it fails the refreshes of every claude that cannot tell its holder is gone (claude-code #95739)" + rm
	case l.Stale(now):
		return "claude's refresh lock " + l.Path + " was left " + age.Round(time.Second).String() +
			" ago by a claude that is gone: claude takes it over, and `claude-auth-sync sync` clears it" + rm
	}
	return "claude's refresh lock " + l.Path + " was left " + age.Round(time.Second).String() +
		" ago by a claude that is gone: the next claude takes it over" + rm
}

// InspectLock reads claude's refresh lock of dir, else its legacy lock.
func InspectLock(dir string) (Lock, error) {
	for _, p := range lockPaths(dir) {
		if l, err := lockAt(p); !errors.Is(err, fs.ErrNotExist) {
			return l, err
		}
	}
	return Lock{Path: lockPaths(dir)[0]}, nil
}

func lockAt(p string) (Lock, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return Lock{Path: p}, err
	}
	return Lock{Path: p, Held: true, MTime: fi.ModTime()}, nil
}

// lockPaths are the lock and the legacy lock: <realpath(dir)>.lock.
func lockPaths(dir string) []string {
	legacy := filepath.Clean(dir) + ".lock"
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		legacy = real + ".lock"
	}
	return []string{filepath.Join(dir, ClaudeLockName), legacy}
}

// claudeLocks takes claude's refresh locks for dir, waiting until ctx
// ends, and returns the function that releases them. A lock is broken
// only when claude's own rule says it is stale.
func claudeLocks(ctx context.Context, dir string) (release func(), err error) {
	var held []string
	release = func() {
		for i := len(held) - 1; i >= 0; i-- {
			_ = os.Remove(held[i])
		}
	}
	for _, p := range lockPaths(dir) {
		if err := mkdirLock(ctx, p); err != nil {
			release()
			return nil, err
		}
		held = append(held, p)
	}
	// Ours now: an owner file left beside it names a gone holder, which
	// would let claude take our lock over.
	_ = os.Remove(filepath.Join(dir, ClaudeLockName+".owner"))
	return release, nil
}

func mkdirLock(ctx context.Context, p string) error {
	for {
		err := os.Mkdir(p, 0o700)
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		l, _ := lockAt(p)
		if l.Stale(time.Now()) {
			_ = os.Remove(p) // claude's own rule; then try again at once
			continue
		}
		select {
		case <-ctx.Done():
			if why := l.Problem(time.Now()); why != "" {
				return errors.New(why)
			}
			return ErrClaudeBusy
		case <-time.After(lockPoll):
		}
	}
}
