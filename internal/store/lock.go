package store

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/claude-launch/claude-launch/pkg/token"
	"golang.org/x/sys/unix"
)

// lockPoll is how often Lock retries a held lock.
const lockPoll = 10 * time.Millisecond

// Lock takes an exclusive flock on path, waiting until ctx ends. Launchers
// that miss the env file at the same moment take it in turn: the first
// fetches and writes the file, the rest find it written. The lock is
// released by the returned function, or by the kernel when the process
// exits, so a crashed holder never wedges the others.
func Lock(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, fmt.Errorf("lock file %s: %w: it is not a regular file; remove it", path, token.ErrInsecureFile)
	}
	fd := int(f.Fd())
	for {
		err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { _ = f.Close() }, nil
		}
		if err != unix.EWOULDBLOCK && err != syscall.EINTR {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("another look-up holds %s and did not finish in time: %w", path, ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}

// RecordNegative remembers outcome in n as of now.
func RecordNegative(n *token.NegativeCache, o token.Outcome) error {
	if err := WriteAtomic(n.Path, n.Entry(o)); err != nil {
		return fmt.Errorf("record negative result: %w", err)
	}
	return nil
}

// ClearNegative forgets any recorded outcome of n.
func ClearNegative(n *token.NegativeCache) error {
	if err := os.Remove(n.Path); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("clear negative result: %w", err)
	}
	return nil
}
