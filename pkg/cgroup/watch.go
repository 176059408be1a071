package cgroup

import (
	"context"
	"errors"
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

// ProcPrefix names the cgroup, below the agents directory, that the
// watcher gives a process the server started other than an agent (a
// terminal, codex, git, a claude by a path of its own): proc-PID.
const ProcPrefix = agentcg.ProcPrefix

// Watcher gives every process the server starts, other than an agent, a
// bounded cgroup of its own below the agents directory (proc-PID), after
// raising its oom_score_adj, so that a runaway is killed where the server
// is not a candidate. docs/t3-serve.md says why, and what it costs.
type Watcher struct {
	// Leaf is the server's leaf directory; Agents the agents directory,
	// where the processes' cgroups go.
	Leaf, Agents string
	// Limit is each process's cgroup's memory.max.
	Limit uint64
	// LeafMax is the server's leaf's memory.max: a process that already
	// holds more than a quarter of it is not moved (classify).
	LeafMax uint64
	// Server is the server's PID: left alone; when it ends, Run returns.
	Server int
	// Adj is the oom_score_adj given to every other process.
	Adj int
	// Every, when set, is a fixed time between looks; zero follows the
	// leaf's headroom (next).
	Every time.Duration
	// Launcher is the command name of a process that moves itself into an
	// agent cgroup, which the watcher leaves to it.
	Launcher string
	// OnKill, when set, is called (from Run) for each new OOM kill in a
	// process's or an agent's cgroup, with its command name where known.
	OnKill func(cgroup, comm string) `json:"-"`
	// OnError, when set, is called (from Run) once for each kind of
	// failure to move a process, which then stays in the server's leaf.
	OnError func(err error) `json:"-"`

	kills    map[string]int
	empty    map[string]bool
	comms    map[string]string
	reported map[string]bool
}

// Looks at the leaf are MinEvery to MaxEvery apart: a new process can hurt
// the server only by what it takes in the leaf before it is moved, so the
// next look comes when FillRate (bytes a second) could fill its headroom.
const (
	MinEvery = 10 * time.Millisecond
	MaxEvery = time.Second
	FillRate = 400 << 20
)

// next is the time to the next look: Every when set; MinEvery after a move
// (what the moved one forked before may follow); else from the headroom.
func (w *Watcher) next(moved int) time.Duration {
	switch {
	case w.Every > 0:
		return w.Every
	case moved > 0:
		return MinEvery
	case w.LeafMax == 0 || w.LeafMax == Unlimited:
		return MaxEvery
	}
	cur, _ := readValue(filepath.Join(w.Leaf, "memory.current"))
	room := float64(w.LeafMax) - float64(cur)
	return min(max(time.Duration(room/FillRate*float64(time.Second)), MinEvery), MaxEvery)
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

// Once moves every process in the leaf but the server, a parent before
// its children (the family stays together), and returns how many it moved.
func (w *Watcher) Once() (moved int, err error) {
	b, err := os.ReadFile(filepath.Join(w.Leaf, "cgroup.procs"))
	if err != nil {
		return 0, err
	}
	todo := map[int]int{} // pid → parent, of those to move
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil && pid != w.Server {
			if ppid, ok := w.classify(pid); ok {
				todo[pid] = ppid
			}
		}
	}
	for progress := true; progress; {
		progress = false
		for _, pid := range slices.Sorted(maps.Keys(todo)) {
			if _, waits := todo[todo[pid]]; waits {
				continue
			}
			if dir, err := w.target(pid, todo[pid]); err != nil {
				w.report(err)
			} else if w.move(pid, dir) {
				moved++
			}
			delete(todo, pid)
			progress = true
		}
	}
	return moved, nil
}

// classify raises pid's score and says whether to move it, with its
// parent. It stays when it ended, when it is the launcher (it joins an
// agent cgroup itself), and when it already holds more than a quarter of
// the leaf: moved, it would leave that much charged to the server's leaf.
func (w *Watcher) classify(pid int) (ppid int, ok bool) {
	if w.Launcher != "" && comm(pid) == w.Launcher {
		return 0, false
	}
	st, err := kernfile.ReadStat(pid)
	if err != nil || st.State == "Z" || st.State == "X" {
		return 0, false // ended: nothing to move, nothing it can take
	}
	ppid = st.PPID
	_, _ = kernfile.RaiseOOMScoreAdj(pid, w.Adj) // one that ended, or setuid, is skipped
	return ppid, w.LeafMax == 0 || w.LeafMax == Unlimited || resident(pid) <= w.LeafMax/4
}

// target is the cgroup pid goes to: its parent's proc-PID when the
// parent has one, else a new one of its own.
func (w *Watcher) target(pid, ppid int) (string, error) {
	if ppid > 0 && ppid != w.Server {
		if dir := w.procDir(ppid); dir != "" {
			return dir, nil
		}
	}
	dir := filepath.Join(w.Agents, ProcPrefix+strconv.Itoa(pid))
	if err := mkdirCgroup(dir); err != nil {
		return "", err
	}
	// Bounded, never throttled, no swap; an OOM kill takes the one process
	// that grew (a terminal's shell lives on when its build is killed).
	if err := kernfile.Bound(dir, w.Limit, 0, false); err != nil {
		_ = syscall.Rmdir(dir)
		return "", err
	}
	return dir, nil
}

// move puts pid into dir, unless it ended or joined an agent cgroup
// meanwhile; an empty cgroup left by a failed move goes.
func (w *Watcher) move(pid int, dir string) bool {
	if w.stillThere(pid) {
		err := kernfile.WriteFile(filepath.Join(dir, "cgroup.procs"), strconv.Itoa(pid))
		if err == nil {
			return true
		}
		if w.stillThere(pid) {
			w.report(errors.New("move a process of the server's into " + dir + ": " + err.Error()))
		}
	}
	_ = syscall.Rmdir(dir)
	return false
}

// stillThere reports whether pid is still to be moved: between the look
// and the move it may have ended, or, exec'd as the launcher, moved
// itself into an agent cgroup below Agents, which a move would undo.
func (w *Watcher) stillThere(pid int) bool {
	loc, err := Locate(pid)
	return err == nil && !kernfile.SameCgroup(w.Agents, path.Dir(loc.V2))
}

// procDir is the cgroup of the watcher's that pid is in, "" if none.
func (w *Watcher) procDir(pid int) string {
	loc, err := Locate(pid)
	if p := loc.V2; err == nil && strings.HasPrefix(filepath.Base(p), ProcPrefix) && kernfile.SameCgroup(w.Agents, filepath.Dir(p)) {
		return filepath.Join(w.Agents, filepath.Base(p))
	}
	return ""
}

// Sweep removes the processes' and the agents' cgroups that were empty at
// the last sweep too (a second to read what became of a process that
// ended), so that an ended session leaves no cgroup behind, and reports
// each OOM kill in them once.
func (w *Watcher) Sweep() {
	entries, err := os.ReadDir(w.Agents)
	if err != nil {
		return
	}
	if w.kills == nil {
		w.kills, w.empty, w.comms = map[string]int{}, map[string]bool{}, map[string]string{}
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), ProcPrefix) && !strings.HasPrefix(e.Name(), agentcg.AgentPrefix) {
			continue
		}
		dir := filepath.Join(w.Agents, e.Name())
		procs, perr := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if first, _, _ := strings.Cut(string(procs), "\n"); w.comms[dir] == "" && first != "" {
			pid, _ := strconv.Atoi(first)
			w.comms[dir] = comm(pid) // its command name, for a kill's report
		}
		for n := oomKills(dir); w.kills[dir] < n; w.kills[dir]++ {
			if w.OnKill != nil {
				w.OnKill(dir, w.comms[dir])
			}
		}
		if perr != nil || len(procs) > 0 {
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
			delete(w.comms, dir)
		}
	}
}

// Run looks at the leaf as next says, and sweeps each second, until the
// server ends or ctx is done. ready, when not nil, is called after the
// first look.
func (w *Watcher) Run(ctx context.Context, ready func()) error {
	moved, err := w.Once()
	if err != nil {
		return err
	}
	if ready != nil {
		ready()
	}
	gone, done := serverGone(w.Server)
	defer done()
	swept := time.Now()
	for ctx.Err() == nil {
		if gone(max(min(w.next(moved), time.Until(swept.Add(time.Second))), 0)) {
			return nil
		}
		if moved, err = w.Once(); errors.Is(err, os.ErrNotExist) {
			return nil // the leaf is gone: so is the unit
		} else if err != nil {
			return err
		}
		if time.Since(swept) >= time.Second {
			swept = time.Now()
			w.Sweep()
		}
	}
	return ctx.Err()
}

// serverGone returns a function that waits up to d and reports whether
// the server has ended: on a pidfd, which cannot name a later process of
// the same PID; without pidfds (Linux before 5.3), by signal 0. A plain
// poll(2) costs fewer wake-ups than Go's timers and poller (BenchmarkWatcherIdle).
// done releases the pidfd.
func serverGone(pid int) (gone func(d time.Duration) bool, done func()) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return func(d time.Duration) bool {
			time.Sleep(d)
			return syscall.Kill(pid, 0) == syscall.ESRCH
		}, func() {}
	}
	return func(d time.Duration) bool {
			n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, int(d/time.Millisecond))
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
	_, v, ok := strings.Cut(string(b), "oom_kill ")
	v, _, _ = strings.Cut(v, "\n")
	if n, err := strconv.Atoi(v); ok && err == nil {
		return n
	}
	return -1
}
