package cgroup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/claude-launch/claude-launch/pkg/cgroup/agentcg"
	"github.com/claude-launch/claude-launch/pkg/kernfile"
	"golang.org/x/sys/unix"
)

// ProcPrefix names the cgroup, below the agents directory, that the
// watcher gives a process the server started other than an agent (a
// terminal, codex, git, a claude by a path of its own): proc-PID.
const ProcPrefix = agentcg.ProcPrefix

// Watcher moves every process the server starts, other than an agent, into
// a bounded cgroup of its own, agents/proc-PID (its family joins it), after
// raising its oom_score_adj, so that a runaway is killed where the server is
// not a candidate. Why a move and a score: docs/t3-serve.md, "Why it holds".
type Watcher struct {
	// Leaf is the server's leaf directory; Agents the agents directory,
	// where the processes' cgroups go.
	Leaf, Agents string
	// Limit is each process's cgroup's memory.max.
	Limit uint64
	// LeafMax is the server's leaf's memory.max: a process that already
	// holds more than a quarter of it is not moved (Once).
	LeafMax uint64
	// Server is the server's PID: left alone; when it ends, Run returns.
	Server int
	// Adj is the oom_score_adj given to every other process.
	Adj int
	// Every is the time between two looks at the leaf.
	Every time.Duration
	// SelfMoving is the command name of a process that joins an agent
	// cgroup itself: the watcher leaves it alone.
	SelfMoving string
	// OnKill, when set, is called (from Run) when the kernel killed in a
	// process's cgroup, with the cgroup and its count of OOM kills.
	OnKill func(cgroup string, kills int)

	// OnError, when set, is called (from Run) once for each kind of
	// failure to move a process, which then stays in the server's leaf.
	OnError func(err error)

	kills    map[string]int
	empty    map[string]bool
	reported map[string]bool
}

// report passes err to OnError the first time its text is seen.
func (w *Watcher) report(err error) {
	if w.OnError == nil || w.reported[err.Error()] {
		return
	}
	if w.reported == nil {
		w.reported = map[string]bool{}
	}
	w.reported[err.Error()] = true
	w.OnError(err)
}

// stillThere reports whether pid is still to be moved: between the look
// and the move it may have ended, or, exec'd as claude-launch, moved
// itself into an agent cgroup below Agents, which a move would undo.
func (w *Watcher) stillThere(pid int) bool {
	loc, err := Locate(pid)
	return err == nil && !kernfile.SameCgroup(w.Agents, path.Dir(loc.V2))
}

// DefaultWatchEvery is how often the watcher looks: a process is moved
// within this of its birth. Each look reads one cgroup file.
const DefaultWatchEvery = 10 * time.Millisecond

// Once moves every process in the leaf but the server, and returns how
// many it moved. One that already holds more than a quarter of the leaf's
// bound stays: moved, it would leave that much charged to the leaf.
func (w *Watcher) Once() (int, error) {
	b, err := os.ReadFile(filepath.Join(w.Leaf, "cgroup.procs"))
	if err != nil {
		return 0, err
	}
	here := map[int]bool{}
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil && pid != w.Server {
			here[pid] = true
		}
	}
	pids := make([]int, 0, len(here))
	for pid := range here {
		pids = append(pids, pid)
	}
	sort.Ints(pids)
	moved := 0
	done := map[int]bool{}
	var move func(pid int, depth int)
	move = func(pid, depth int) {
		if done[pid] {
			return
		}
		done[pid] = true
		if comm(pid) == w.SelfMoving {
			return // it joins an agent cgroup itself
		}
		st, err := kernfile.ReadStat(pid)
		if err != nil || st.State == "Z" || st.State == "X" {
			return // ended: nothing to move, nothing it can take
		}
		ppid := st.PPID
		_, _ = kernfile.RaiseOOMScoreAdj(pid, w.Adj) // one that ended, or setuid, is skipped
		if w.LeafMax != 0 && w.LeafMax != Unlimited && resident(pid) > w.LeafMax/4 {
			// Already big where it was born: what it took stays charged
			// to the server's leaf, so it stays there too, as a candidate
			// where its memory is counted, with its raised score.
			return
		}
		if here[ppid] && depth < 64 {
			move(ppid, depth+1) // the parent first: the family stays together
		}
		dir := ""
		if ppid > 0 && ppid != w.Server {
			dir = w.procDir(ppid)
		}
		if dir == "" {
			dir = filepath.Join(w.Agents, ProcPrefix+strconv.Itoa(pid))
			if err := w.makeProc(dir); err != nil {
				w.report(err)
				return
			}
		}
		if !w.stillThere(pid) {
			_ = syscall.Rmdir(dir) // ended, or joined an agent cgroup: an empty cgroup goes
			return
		}
		if err := kernfile.WriteFile(filepath.Join(dir, "cgroup.procs"), strconv.Itoa(pid)); err == nil {
			moved++
		} else {
			_ = syscall.Rmdir(dir) // an empty cgroup goes
			if w.stillThere(pid) {
				w.report(fmt.Errorf("move a process of the server's into %s: %w", dir, err))
			}
		}
	}
	for _, pid := range pids {
		move(pid, 0)
	}
	return moved, nil
}

// procDir is the cgroup of the watcher's that pid is in, "" if none.
func (w *Watcher) procDir(pid int) string {
	loc, err := Locate(pid)
	if p := loc.V2; err == nil && strings.HasPrefix(filepath.Base(p), ProcPrefix) && kernfile.SameCgroup(w.Agents, filepath.Dir(p)) {
		return filepath.Join(w.Agents, filepath.Base(p))
	}
	return ""
}

// makeProc makes a process's cgroup: bounded by w.Limit, never throttled,
// no swap, and an OOM kill takes the one process that grew (a terminal's
// shell lives on when its build is killed).
func (w *Watcher) makeProc(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	if err := kernfile.Bound(dir, w.Limit, 0, false); err != nil {
		_ = syscall.Rmdir(dir)
		return err
	}
	return nil
}

// Sweep removes the processes' and the agents' cgroups that were empty at
// the last sweep too (a second to read what became of a process that
// ended), so that an ended session leaves no cgroup behind, and reports
// the OOM kills in each that it has not reported yet. (claude-launch
// also removes empty agent cgroups when it starts an agent; rmdir takes
// only an empty cgroup, so the two cannot remove a live one.)
func (w *Watcher) Sweep() {
	entries, err := os.ReadDir(w.Agents)
	if err != nil {
		return
	}
	if w.kills == nil {
		w.kills, w.empty = map[string]int{}, map[string]bool{}
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), ProcPrefix) && !strings.HasPrefix(e.Name(), agentcg.AgentPrefix) {
			continue
		}
		dir := filepath.Join(w.Agents, e.Name())
		if n := oomKills(dir); n > w.kills[dir] {
			w.kills[dir] = n
			if w.OnKill != nil {
				w.OnKill(dir, n)
			}
		}
		if procs, err := os.ReadFile(filepath.Join(dir, "cgroup.procs")); err != nil || len(procs) > 0 {
			delete(w.empty, dir)
			continue
		}
		if !w.empty[dir] {
			w.empty[dir] = true
			continue
		}
		if syscall.Rmdir(dir) == nil {
			delete(w.kills, dir)
			delete(w.empty, dir)
		}
	}
}

// Run looks at the leaf every w.Every, and sweeps every second, until the
// server ends or ctx is done. ready, when not nil, is called after the
// first look.
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
	swept := time.Now()
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
		if time.Since(swept) >= time.Second {
			swept = time.Now()
			w.Sweep()
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

// resident is a process's resident memory in bytes, 0 if it ended.
func resident(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseUint(f[1], 10, 64)
	return n * uint64(os.Getpagesize())
}

// comm is a process's command name, "" if it ended.
func comm(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
}

// oomKills is a cgroup's oom_kill count in memory.events, -1 if unread.
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
