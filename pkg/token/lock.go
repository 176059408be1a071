package token

import (
	"context"
	"os"
	"time"

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
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, wrap("open lock file: ", err, "")
	}
	fd := int(f.Fd())
	for {
		err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { _ = f.Close() }, nil
		}
		if err != unix.EWOULDBLOCK && err != unix.EINTR {
			_ = f.Close()
			return nil, wrap("lock "+path+": ", err, "")
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, wrap("lock "+path+": another claude-auth-sync holds it: ", ctx.Err(), "")
		case <-time.After(lockPoll):
		}
	}
}
