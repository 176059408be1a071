package cgroup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Watcher keeps the server the last choice of the kernel's OOM killer in
// its own leaf. Every process the server starts other than an agent (a
// terminal, a build in it, codex, git, a claude started by a path of its
// own) is born in the server's leaf and stays there: moving it out would
// leave the memory it had already taken charged to the leaf (cgroup v2
// does not move a charge), where the kernel could then kill only the
// server. Instead the leaf is bounded and never throttles (LayOut), and
// the watcher raises each new process's oom_score_adj, so that when the
// leaf is full the kernel kills the process that grew, not the server.
//
// A raised score adds Adj/1000 of the leaf's bound to a process's badness
// (the kernel's oom_badness), so with Adj 500 a child is chosen over the
// server unless the server holds more than half of the bound beyond the
// child. Raising needs no privilege for processes of the same user; a
// process the user cannot write (a setuid one) keeps the score it
// inherited.
type Watcher struct {
	// Leaf is the server's leaf directory.
	Leaf string
	// Server is the server's PID: left alone; when it ends, Run returns.
	Server int
	// Adj is the oom_score_adj given to every other process.
	Adj int
	// Every is the time between two looks at the leaf.
	Every time.Duration
	// OnKill, when set, is called (from Run) when the leaf's count of OOM
	// kills grows, with the new count.
	OnKill func(kills int)

	seen map[int]bool
}

// DefaultWatchEvery is how often the watcher looks: a child is raised
// within this of its first fork. Each look reads one cgroup file.
const DefaultWatchEvery = 10 * time.Millisecond

// Once raises every process in the leaf that was not there at the last
// look, and returns how many it raised.
func (w *Watcher) Once() (int, error) {
	b, err := os.ReadFile(filepath.Join(w.Leaf, "cgroup.procs"))
	if err != nil {
		return 0, err
	}
	now := make(map[int]bool, len(w.seen)+1)
	raised := 0
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil || pid == w.Server {
			continue
		}
		now[pid] = true
		if !w.seen[pid] && Raise(pid, w.Adj) {
			raised++
		}
	}
	w.seen = now
	return raised, nil
}

// Raise raises the oom_score_adj of pid to adj, leaving a higher one
// alone, and reports whether it wrote. A process that ended, or that the
// user may not write, is skipped.
func Raise(pid, adj int) bool {
	p := "/proc/" + strconv.Itoa(pid) + "/oom_score_adj"
	b, err := os.ReadFile(p)
	if err != nil {
		return false
	}
	if cur, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && cur >= adj {
		return false
	}
	return writeFile(p, strconv.Itoa(adj)) == nil
}

// Run looks at the leaf every w.Every until the server ends or ctx is
// done. ready, when not nil, is called after the first look.
func (w *Watcher) Run(ctx context.Context, ready func()) error {
	if w.Every <= 0 {
		w.Every = DefaultWatchEvery
	}
	if _, err := w.Once(); err != nil {
		return err
	}
	if ready != nil {
		ready()
	}
	gone, done := serverGone(w.Server, w.Every)
	defer done()
	kills := oomKills(w.Leaf)
	lastEvents := time.Now()
	for ctx.Err() == nil {
		if gone() {
			return nil
		}
		if _, err := w.Once(); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil // the leaf is gone: so is the unit
			}
			return err
		}
		if time.Since(lastEvents) >= time.Second {
			lastEvents = time.Now()
			if n := oomKills(w.Leaf); n > kills {
				kills = n
				if w.OnKill != nil {
					w.OnKill(n)
				}
			}
		}
	}
	return ctx.Err()
}

// serverGone returns a function that waits up to every and reports
// whether the server has ended: on a pidfd, which cannot name a later
// process of the same PID; without pidfds (Linux before 5.3), by signal 0.
// done releases the pidfd.
func serverGone(pid int, every time.Duration) (gone func() bool, done func()) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return func() bool {
			time.Sleep(every)
			return syscall.Kill(pid, 0) == syscall.ESRCH
		}, func() {}
	}
	ms := int(every / time.Millisecond)
	return func() bool {
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			n, err := unix.Poll(fds, ms)
			return err == nil && n > 0
		}, func() {
			_ = unix.Close(fd)
		}
}

// oomKills is the leaf's oom_kill count in memory.events, -1 if unread.
func oomKills(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "memory.events"))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "oom_kill "); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return -1
}
