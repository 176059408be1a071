package creds

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// claude's refresh lock: a mkdir lock touched every 5 s while held, beside the legacy <realpath(dir)>.lock (TestClaudeLockMatchesInstalledCLI).
const (
	ClaudeLockName  = ".oauth_refresh.lock" // in the config dir
	ClaudeLockStale = 60 * time.Second      // claude breaks a lock untouched this long
	lockFresh       = 15 * time.Second      // touched this recently: a live holder
	lockPoll        = 50 * time.Millisecond // how often a held lock is retried
)

// ErrClaudeBusy means a live claude held its refresh lock for as long as the caller would wait.
var ErrClaudeBusy = errors.New("claude holds its refresh lock")

// Lock is claude's refresh lock of a config dir, judged by its mtime as claude judges it.
type Lock struct {
	Path  string
	Held  bool
	MTime time.Time
}

// Live says a claude keeps the lock: its mtime is within three heartbeats.
func (l Lock) Live(now time.Time) bool { return l.Held && now.Sub(l.MTime).Abs() < lockFresh }

// Stale says claude's own rule lets anyone break the lock: untouched past ClaudeLockStale.
func (l Lock) Stale(now time.Time) bool { return l.Held && now.Sub(l.MTime) > ClaudeLockStale }

// Problem says what a lock no live claude keeps does and how to clear it; "" for none.
func (l Lock) Problem(now time.Time) string {
	age := now.Sub(l.MTime)
	rm := "; if no claude is refreshing now, run `rmdir " + l.Path + "`"
	left := "claude's refresh lock " + l.Path + " was left " + age.Round(time.Second).String() + " ago by a claude that is gone: "
	switch {
	case !l.Held || l.Live(now):
		return ""
	case age < 0:
		return "claude's refresh lock " + l.Path + " is dated " + l.MTime.UTC().Format(time.RFC3339) +
			", in the future, and no claude keeps it: it fails the refreshes of every claude that cannot tell its holder is gone (claude-code #95739)" + rm
	case l.Stale(now):
		return left + "claude takes it over, and `claude-auth-sync sync` clears it" + rm
	}
	return left + "the next claude takes it over" + rm
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

// claudeLocks takes claude's refresh locks of dir, waiting until ctx ends, and breaks only a lock claude's rule calls stale.
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
	// Ours now: a left owner file names a gone holder and lets claude take it over.
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
