package cgroup

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/claude-launch/claude-launch/pkg/cgroup/agentcg"
	"github.com/claude-launch/claude-launch/pkg/kernfile"
	"golang.org/x/sys/unix"
)

// ProcPrefix names the cgroup (proc-PID, below the agents directory) of a process the server started, other than an agent.
const ProcPrefix = agentcg.ProcPrefix

// Watcher gives every process the server starts, other than an agent, a bounded cgroup of its own below the
// agents directory, after raising its oom_score_adj, so that a runaway dies where the server is no candidate.
type Watcher struct {
	Leaf, Agents string                    // the server's leaf; the agents directory, where the processes' cgroups go
	Limit        uint64                    // each process's cgroup's memory.max
	LeafMax      uint64                    // the leaf's memory.max: a process holding over a quarter of it stays (classify)
	Server       int                       // the server's PID: left alone; when it ends, Run returns
	Adj          int                       // the oom_score_adj given to every other process
	Every        time.Duration             // when set, a fixed time between looks; zero follows the leaf's headroom (next)
	Forks        *os.File                  `json:"-"` // when set (Forks), a look follows each fork of the server's (next)
	Launcher     string                    // the command name of a process that joins an agent cgroup itself: left to it
	OnKill       func(cgroup, comm string) `json:"-"` // when set, called (from Run) for each new OOM kill in a cgroup of Agents
	OnError      func(err error)           `json:"-"` // when set, called (from Run) once for each kind of failure to move a process
	swept        map[string]swept          // by cgroup directory, what Sweep saw
	reported     map[string]bool
}

type swept struct {
	kills int    // OOM kills reported
	empty bool   // no process at the last sweep
	comm  string // a command name seen in it
}

// Looks at the leaf are MinEvery to MaxEvery apart: a new process hurts the server only by what it takes in
// the leaf before it is moved, so the next look comes when FillRate (bytes a second) could fill its headroom.
const (
	MinEvery = 10 * time.Millisecond
	MaxEvery = time.Second
	FillRate = 4 << 30
)

// next is the time to the next look: Every when set; MinEvery again soon (after a move, what the moved one
// forked may follow; after a fork, its child may join the leaf's list just after the event); MaxEvery when the
// leaf holds only the server and its forks wake the watcher; else from the headroom.
func (w *Watcher) next(again bool, stayed int) time.Duration {
	switch {
	case w.Every > 0:
		return w.Every
	case again:
		return MinEvery
	case w.LeafMax == 0 || w.LeafMax == Unlimited || w.Forks != nil && stayed == 0:
		return MaxEvery
	}
	cur, _ := readValue(filepath.Join(w.Leaf, "memory.current"))
	return min(max(time.Duration((float64(w.LeafMax)-float64(cur))/FillRate*float64(time.Second)), MinEvery), MaxEvery)
}

// report passes err to OnError the first time its step and errno are seen.
func (w *Watcher) report(step string, err error) {
	var errno syscall.Errno
	errors.As(err, &errno)
	if key := step + errno.Error(); w.OnError != nil && !w.reported[key] {
		if w.reported == nil {
			w.reported = map[string]bool{}
		}
		w.reported[key] = true
		w.OnError(err)
	}
}

// Once moves every process in the leaf but the server, a parent before its children, and returns how many it
// moved and how many others it left there alive.
func (w *Watcher) Once() (moved, stayed int, err error) {
	b, err := os.ReadFile(filepath.Join(w.Leaf, "cgroup.procs"))
	if err != nil {
		return 0, 0, err
	}
	todo := map[int]int{} // pid → parent, of those to move
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil && pid != w.Server {
			switch ppid, move, alive := w.classify(pid); {
			case move:
				todo[pid] = ppid
			case alive:
				stayed++
			}
		}
	}
	for progress := true; progress; {
		progress = false
		for _, pid := range slices.Sorted(maps.Keys(todo)) {
			if _, waits := todo[todo[pid]]; !waits {
				dir, err := w.target(pid, todo[pid])
				switch {
				case err != nil:
					w.report("target", err)
					stayed++
				case w.move(pid, dir):
					moved++
				case w.inLeaf(pid):
					stayed++ // its forks wake nobody: the headroom paces the looks
				}
				delete(todo, pid)
				progress = true
			}
		}
	}
	return moved, stayed, nil
}

// classify raises pid's score and says whether to move it, with its parent, and whether it is alive. It stays
// when it ended, when it is the launcher, and when it holds over a quarter of the leaf: moved, it would leave
// that much charged there.
func (w *Watcher) classify(pid int) (ppid int, move, alive bool) {
	proc := "/proc/" + strconv.Itoa(pid) + "/"
	if w.Launcher != "" && comm(proc) == w.Launcher {
		return 0, false, true
	}
	st, err := kernfile.ReadStat(pid)
	if err != nil || st.State == "Z" || st.State == "X" {
		return 0, false, false // ended: nothing to move, nothing it can take
	}
	_, _ = kernfile.RaiseOOMScoreAdj(pid, w.Adj) // one that ended, or setuid, is skipped
	if w.LeafMax == 0 || w.LeafMax == Unlimited {
		return st.PPID, true, true
	}
	statm, _ := kernfile.ReadSmall(proc + "statm")                           // size, resident (pages)…
	pages, _ := strconv.ParseUint(strings.Fields(statm + " 0 0")[1], 10, 64) // 0 if it ended
	return st.PPID, pages*uint64(os.Getpagesize()) <= w.LeafMax/4, true
}

// target is the cgroup pid goes to: its parent's proc-PID when the parent has one, else a new, bounded one of its own.
func (w *Watcher) target(pid, ppid int) (string, error) {
	if ppid > 0 && ppid != w.Server {
		if name, _ := w.below(ppid); strings.HasPrefix(name, ProcPrefix) {
			return filepath.Join(w.Agents, name), nil
		}
	}
	dir := filepath.Join(w.Agents, ProcPrefix+strconv.Itoa(pid))
	if err := mkdirCgroup(dir); err != nil {
		return "", err
	}
	// Never throttled, no swap; an OOM kill takes the one process that grew (a shell outlives its build).
	if err := kernfile.Bound(dir, w.Limit, 0, false); err != nil {
		_ = syscall.Rmdir(dir)
		return "", err
	}
	return dir, nil
}

// move puts pid into dir unless meanwhile it ended or, exec'd as the launcher, joined an agent cgroup; a cgroup left empty goes.
func (w *Watcher) move(pid int, dir string) bool {
	if w.inLeaf(pid) {
		err := kernfile.WriteFile(filepath.Join(dir, "cgroup.procs"), strconv.Itoa(pid))
		if err == nil {
			return true
		}
		if w.inLeaf(pid) {
			w.report("move", fmt.Errorf("move a process of the server's into %s: %w", dir, err))
		}
	}
	_ = syscall.Rmdir(dir)
	return false
}

// inLeaf says whether pid is alive and not (yet) in a cgroup right below Agents.
func (w *Watcher) inLeaf(pid int) bool {
	name, alive := w.below(pid)
	return alive && name == ""
}

// below is the name of pid's cgroup when that is right below Agents (else ""), and whether pid is there to ask.
func (w *Watcher) below(pid int) (name string, alive bool) {
	loc, err := Locate(pid)
	if err == nil && kernfile.SameCgroup(w.Agents, path.Dir(loc.V2)) {
		return path.Base(loc.V2), true
	}
	return "", err == nil
}

// Sweep removes the processes' and agents' cgroups that were empty at the last sweep too (a second to read
// what became of a process that ended), so that no cgroup outlives its session, and reports each OOM kill once.
func (w *Watcher) Sweep() {
	entries, err := os.ReadDir(w.Agents)
	if err != nil {
		return
	}
	if w.swept == nil {
		w.swept = map[string]swept{}
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), ProcPrefix) && !strings.HasPrefix(e.Name(), agentcg.AgentPrefix) {
			continue
		}
		dir := filepath.Join(w.Agents, e.Name())
		s := w.swept[dir]
		procs, perr := kernfile.ReadSmall(filepath.Join(dir, "cgroup.procs"))
		if first, _, _ := strings.Cut(procs, "\n"); s.comm == "" && first != "" {
			s.comm = comm("/proc/" + first + "/") // for a kill's report
		}
		events, _ := kernfile.ReadSmall(filepath.Join(dir, "memory.events"))
		_, events, _ = strings.Cut(events, "oom_kill ")
		for n, _ := strconv.Atoi(strings.SplitN(events, "\n", 2)[0]); s.kills < n; s.kills++ {
			if w.OnKill != nil {
				w.OnKill(dir, s.comm)
			}
		}
		was := s.empty
		s.empty = perr == nil && procs == ""
		if w.swept[dir] = s; s.empty && was && syscall.Rmdir(dir) == nil {
			delete(w.swept, dir)
		}
	}
}

// Run looks at the leaf as next says, and sweeps each second, until the server ends or ctx is
// done. ready, when not nil, is called after the first look.
func (w *Watcher) Run(ctx context.Context, ready func()) error {
	wait, done := w.waiter()
	defer done()
	forked := false
	for look, sweptAt := 0, time.Now(); ; look++ {
		moved, stayed, err := w.Once()
		switch {
		case look > 0 && errors.Is(err, os.ErrNotExist):
			return nil // the leaf is gone: so is the unit
		case err != nil:
			return err
		case look == 0 && ready != nil:
			ready()
		case time.Since(sweptAt) >= time.Second:
			sweptAt = time.Now()
			w.Sweep()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		var ended bool
		if ended, forked = wait(max(min(w.next(moved > 0 || forked, stayed), time.Until(sweptAt.Add(time.Second))), 0)); ended {
			return nil
		}
	}
}

// waiter returns a function that waits up to d, or until the server forks (Forks), and says whether the server
// has ended, by a pidfd (never a later process of the PID; poll(2) wakes less than Go's timers) or, before Linux
// 5.3, signal 0, and whether it forked; and one that releases the pidfd.
func (w *Watcher) waiter() (wait func(d time.Duration) (ended, forked bool), done func()) {
	pidfd, err := unix.PidfdOpen(w.Server, 0)
	if err != nil {
		pidfd = -1 // poll(2) passes over a negative fd
	}
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}, {Fd: -1, Events: unix.POLLIN}}
	if w.Forks != nil {
		fds[1].Fd = int32(w.Forks.Fd())
	}
	return func(d time.Duration) (ended, forked bool) {
		fds[0].Revents, fds[1].Revents = 0, 0
		_, _ = unix.Poll(fds, int((d+time.Millisecond-1)/time.Millisecond))
		if fds[1].Revents != 0 {
			if err := drain(fds[1].Fd); err != nil { // a socket that no longer works: the headroom paces the looks
				w.report("forks", fmt.Errorf("the server's forks are not heard: %w", err))
				fds[1].Fd, w.Forks = -1, nil
			}
			forked = true
		}
		if pidfd < 0 {
			return syscall.Kill(w.Server, 0) == syscall.ESRCH, forked
		}
		return fds[0].Revents&unix.POLLIN != 0, forked
	}, func() { _ = unix.Close(pidfd) }
}

// drain reads the fork events queued on fd (a look follows, whatever they said); an overflow (ENOBUFS) is read
// past too. It fails only when the socket does not work.
func drain(fd int32) error {
	var buf [512]byte
	for range 1024 {
		_, _, err := unix.Recvfrom(int(fd), buf[:], unix.MSG_DONTWAIT)
		switch {
		case errors.Is(err, unix.EAGAIN):
			return nil
		case err != nil && !errors.Is(err, unix.ENOBUFS) && !errors.Is(err, unix.EINTR):
			return err
		}
	}
	return nil
}

// comm is the command name of the process whose /proc directory (with a trailing slash) is proc, "" if it ended.
func comm(proc string) string {
	s, _ := kernfile.ReadSmall(proc + "comm")
	return strings.TrimSpace(s)
}
