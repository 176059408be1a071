package cgroup

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBudget: the server's leaf, the watcher's and the agents' add up to
// MemoryHigh, never more, so that nothing below the unit throttles it.
func TestBudget(t *testing.T) {
	for _, tc := range []struct {
		caps           Caps
		serverMax      uint64
		server, agents uint64
		wantErr        bool
	}{
		{Caps{High: 12 << 30, Max: 16 << 30}, 0, 3 << 30, 9<<30 - WatchMax, false},
		{Caps{High: 160 << 20, Max: 192 << 20}, 64 << 20, 64 << 20, 80 << 20, false},
		{Caps{High: Unlimited, Max: 16 << 30}, 0, 4 << 30, 12<<30 - WatchMax, false},
		{Caps{High: Unlimited, Max: Unlimited}, 0, Unlimited, Unlimited, false},
		{Caps{High: Unlimited, Max: Unlimited}, 1 << 30, 1 << 30, Unlimited, false},
		{Caps{High: 1 << 30, Max: 2 << 30}, 1 << 30, 0, 0, true},
		{Caps{High: 1 << 30, Max: 2 << 30}, 1<<30 - WatchMax, 0, 0, true},
	} {
		s, a, err := Budget(tc.caps, tc.serverMax, "--server-memory-max")
		if (err != nil) != tc.wantErr || s != tc.server || a != tc.agents {
			t.Errorf("Budget(%+v, %d) = %d, %d, %v; want %d, %d, error %v", tc.caps, tc.serverMax, s, a, err, tc.server, tc.agents, tc.wantErr)
		}
		if err != nil && (!errors.Is(err, ErrBudget) || !strings.Contains(err.Error(), "--server-memory-max")) {
			t.Errorf("Budget's error %q does not say which setting to change", err)
		}
		if err == nil && tc.caps.High != Unlimited && s+WatchMax+a > tc.caps.High {
			t.Errorf("Budget(%+v): the bounds add up to more than MemoryHigh", tc.caps)
		}
	}
}

func adjOf(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/oom_score_adj")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

func sleeper(t *testing.T) *exec.Cmd {
	t.Helper()
	c := exec.Command("sleep", "60")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
	return c
}

// fakeProc makes, in a plain directory, the files of a process's cgroup
// that the watcher writes.
func fakeProc(t *testing.T, agents string, pid int) string {
	t.Helper()
	dir := filepath.Join(agents, ProcPrefix+strconv.Itoa(pid))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cgroup.procs", "memory.max", "memory.high", "memory.swap.max", "memory.oom.group"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWatcherMoves: every process of the leaf but the server gets the
// score and a bounded cgroup of its own that never throttles; a higher
// score is left alone; a PID that ended is skipped. The leaf and the
// agents directory are plain directories with the files the watcher
// reads and writes.
func TestWatcherMoves(t *testing.T) {
	server, a, b := sleeper(t), sleeper(t), sleeper(t)
	if err := os.WriteFile("/proc/"+strconv.Itoa(b.Process.Pid)+"/oom_score_adj", []byte("800"), 0); err != nil {
		t.Fatal(err)
	}
	leaf, agents := t.TempDir(), t.TempDir()
	procs := strings.Join([]string{strconv.Itoa(server.Process.Pid), strconv.Itoa(a.Process.Pid), strconv.Itoa(b.Process.Pid), "999999999"}, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(leaf, "cgroup.procs"), []byte(procs), 0o644); err != nil {
		t.Fatal(err)
	}
	da, db := fakeProc(t, agents, a.Process.Pid), fakeProc(t, agents, b.Process.Pid)
	w := &Watcher{Leaf: leaf, Agents: agents, Limit: 48 << 20, Server: server.Process.Pid, Adj: 500}
	n, stayed, err := w.Once()
	if err != nil || n != 2 || stayed != 0 {
		t.Fatalf("Once() = %d, %d, %v; want 2 moved, none stayed", n, stayed, err)
	}
	if got := adjOf(t, server.Process.Pid); got != 0 {
		t.Errorf("the server's oom_score_adj became %d", got)
	}
	if got := adjOf(t, a.Process.Pid); got != 500 {
		t.Errorf("a child's oom_score_adj is %d, want 500", got)
	}
	if got := adjOf(t, b.Process.Pid); got != 800 {
		t.Errorf("a higher oom_score_adj became %d", got)
	}
	for pid, dir := range map[int]string{a.Process.Pid: da, b.Process.Pid: db} {
		if got := read(t, filepath.Join(dir, "cgroup.procs")); got != strconv.Itoa(pid) {
			t.Errorf("%s/cgroup.procs = %q, want %d", dir, got, pid)
		}
		for f, want := range map[string]string{"memory.max": "50331648", "memory.high": "max", "memory.swap.max": "0", "memory.oom.group": "0"} {
			if got := read(t, filepath.Join(dir, f)); got != want {
				t.Errorf("%s/%s = %q, want %q", dir, f, got, want)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(agents, ProcPrefix+"999999999")); !os.IsNotExist(err) {
		t.Errorf("a cgroup was made for a process that ended: %v", err)
	}
}

// TestWatcherCannotMove: a process whose cgroup cannot be made stays in the
// leaf and is counted so (its forks wake nobody: the headroom paces the
// looks), and the cause is said once, however many processes meet it.
func TestWatcherCannotMove(t *testing.T) {
	server, a, b := sleeper(t), sleeper(t), sleeper(t)
	leaf, agents := t.TempDir(), t.TempDir()
	procs := strconv.Itoa(server.Process.Pid) + "\n" + strconv.Itoa(a.Process.Pid) + "\n" + strconv.Itoa(b.Process.Pid) + "\n"
	if err := os.WriteFile(filepath.Join(leaf, "cgroup.procs"), []byte(procs), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*exec.Cmd{a, b} { // a file where each one's cgroup would go
		if err := os.WriteFile(filepath.Join(agents, ProcPrefix+strconv.Itoa(c.Process.Pid)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var said []string
	w := &Watcher{Leaf: leaf, Agents: agents, Limit: 48 << 20, Server: server.Process.Pid, Adj: 500,
		OnError: func(err error) { said = append(said, err.Error()) }}
	if moved, stayed, err := w.Once(); err != nil || moved != 0 || stayed != 2 {
		t.Errorf("Once() = %d moved, %d stayed, %v; want 0, 2", moved, stayed, err)
	}
	if len(said) != 1 {
		t.Errorf("said %d times, want once: %q", len(said), said)
	}
}

// TestWatcherEndsWithServer: Run returns soon after the server ends.
func TestWatcherEndsWithServer(t *testing.T) {
	server := sleeper(t)
	leaf := t.TempDir()
	if err := os.WriteFile(filepath.Join(leaf, "cgroup.procs"), []byte(strconv.Itoa(server.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	done := make(chan error, 1)
	w := &Watcher{Leaf: leaf, Agents: t.TempDir(), Limit: 48 << 20, Server: server.Process.Pid, Adj: 500}
	go func() { done <- w.Run(context.Background(), func() { close(ready) }) }()
	<-ready
	_ = server.Process.Kill()
	_ = server.Wait()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the watcher outlived its server")
	}
}

// TestWatcherLeavesBigOnes: a process that already holds more than a
// quarter of the server's leaf stays there, raised: moved, it would leave
// its charge behind in the leaf, with only the server there to kill.
func TestWatcherLeavesBigOnes(t *testing.T) {
	server, big := sleeper(t), sleeper(t)
	leaf, agents := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(leaf, "cgroup.procs"), []byte(strconv.Itoa(server.Process.Pid)+"\n"+strconv.Itoa(big.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := fakeProc(t, agents, big.Process.Pid)
	// sleep holds more than 4 KiB: a quarter of a 16 KiB leaf.
	w := &Watcher{Leaf: leaf, Agents: agents, Limit: 48 << 20, LeafMax: 16 << 10, Server: server.Process.Pid, Adj: 500}
	if n, stayed, err := w.Once(); err != nil || n != 0 || stayed != 1 {
		t.Fatalf("Once() = %d, %d, %v; want nothing moved, one stayed", n, stayed, err)
	}
	if got := read(t, filepath.Join(dir, "cgroup.procs")); got != "" {
		t.Errorf("moved anyway: %q", got)
	}
	if got := adjOf(t, big.Process.Pid); got != 500 {
		t.Errorf("its oom_score_adj is %d, want 500", got)
	}
}

// TestWatchInterval: the look follows the leaf's headroom, from MinEvery
// when it is nearly full to MaxEvery when a second of FillRate fits; right
// after a move, and with a fixed Every, the policy gives way. Woken by the
// server's forks, a leaf holding only the server waits MaxEvery.
func TestWatchInterval(t *testing.T) {
	leaf := t.TempDir()
	forks, err := os.Open(os.DevNull) // any file: next only asks whether there is one
	if err != nil {
		t.Fatal(err)
	}
	defer forks.Close()
	for _, tc := range []struct {
		max, current  uint64
		moved, stayed int
		forks         *os.File
		every, want   time.Duration
	}{
		{64 << 20, 24 << 20, 0, 0, nil, 0, MinEvery}, // the guest's leaf, 40M free: a burst fills it within 10 ms
		{64 << 20, 63 << 20, 0, 0, nil, 0, MinEvery},
		{64 << 20, 80 << 20, 0, 0, nil, 0, MinEvery},             // above its bound: as soon as allowed
		{3 << 30, 1 << 30, 0, 0, nil, 0, 500 * time.Millisecond}, // the default leaf, 2G free
		{16 << 30, 1 << 30, 0, 0, nil, 0, MaxEvery},
		{Unlimited, 1 << 30, 0, 0, nil, 0, MaxEvery},
		{0, 0, 0, 0, nil, 0, MaxEvery},
		{3 << 30, 1 << 30, 1, 0, nil, 0, MinEvery}, // just moved one: its family may follow
		{3 << 30, 1 << 30, 0, 0, nil, 10 * time.Millisecond, 10 * time.Millisecond},
		{64 << 20, 24 << 20, 0, 0, forks, 0, MaxEvery}, // only the server, whose forks wake the watcher
		{64 << 20, 24 << 20, 0, 1, forks, 0, MinEvery}, // another stayed: its forks wake nobody
		{64 << 20, 24 << 20, 1, 0, forks, 0, MinEvery},
	} {
		if err := os.WriteFile(filepath.Join(leaf, "memory.current"), []byte(strconv.FormatUint(tc.current, 10)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		w := &Watcher{Leaf: leaf, LeafMax: tc.max, Every: tc.every, Forks: tc.forks}
		if got := w.next(tc.moved > 0, tc.stayed); got != tc.want {
			t.Errorf("max %d, current %d, moved %d, stayed %d, forks %v, Every %s: next look in %s, want %s", tc.max, tc.current,
				tc.moved, tc.stayed, tc.forks != nil, tc.every, got, tc.want)
		}
	}
}

// TestWatchClassify: the launcher and a process that ended stay where
// they are, unraised; a big one is raised and stays; any other is raised
// and goes, with its parent named.
func TestWatchClassify(t *testing.T) {
	a := sleeper(t)
	zombie := exec.Command("true")
	if err := zombie.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = zombie.Wait() })
	time.Sleep(100 * time.Millisecond) // it exits, unreaped: a zombie
	w := &Watcher{Adj: 500}
	if ppid, ok, alive := w.classify(a.Process.Pid); !ok || !alive || ppid != os.Getpid() || adjOf(t, a.Process.Pid) != 500 {
		t.Errorf("classify(a child) = %d, %v, %v, score %d; want %d, true, true, 500", ppid, ok, alive, adjOf(t, a.Process.Pid), os.Getpid())
	}
	if _, ok, alive := w.classify(zombie.Process.Pid); ok || alive {
		t.Errorf("a process that ended is to be moved (%v) or alive (%v)", ok, alive)
	}
	b := sleeper(t)
	w.Launcher = "sleep"
	if _, ok, _ := w.classify(b.Process.Pid); ok || adjOf(t, b.Process.Pid) != 0 {
		t.Errorf("the launcher is to be moved (%v) or was raised (%d)", ok, adjOf(t, b.Process.Pid))
	}
	w.Launcher, w.LeafMax = "", 16<<10
	if _, ok, alive := w.classify(b.Process.Pid); ok || !alive || adjOf(t, b.Process.Pid) != 500 {
		t.Errorf("a big one is to be moved (%v), or not raised (%d)", ok, adjOf(t, b.Process.Pid))
	}
}

// TestWatchMoveEnded: a process that ended before its move leaves no
// cgroup behind.
func TestWatchMoveEnded(t *testing.T) {
	agents := t.TempDir()
	fakeProc(t, agents, 999999999)
	w := &Watcher{Agents: agents, Limit: 48 << 20}
	dir, err := w.target(999999999, 1)
	if err != nil || read(t, filepath.Join(dir, "memory.max")) != "50331648" {
		t.Fatalf("target: %s, %v; want a bounded cgroup", dir, err)
	}
	for _, f := range []string{"cgroup.procs", "memory.max", "memory.high", "memory.swap.max", "memory.oom.group"} {
		_ = os.Remove(filepath.Join(dir, f)) // a real cgroup's files go with it
	}
	if w.move(999999999, dir) {
		t.Error("moved a process that ended")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("its cgroup stayed: %v", err)
	}
}

// TestWatchSweepKills: each new OOM kill in a process's or an agent's
// cgroup is reported once, with the command name read while it ran.
func TestWatchSweepKills(t *testing.T) {
	a := sleeper(t)
	agents := t.TempDir()
	dir := fakeProc(t, agents, a.Process.Pid)
	var got []string
	w := &Watcher{Agents: agents, OnKill: func(cg, comm string) { got = append(got, cg+" "+comm) }}
	events := func(n int) {
		if err := os.WriteFile(filepath.Join(dir, "memory.events"), []byte("oom 1\noom_kill "+strconv.Itoa(n)+"\noom_group_kill 0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(a.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	events(0)
	w.Sweep()
	events(2)
	w.Sweep()
	w.Sweep()
	if want := []string{dir + " sleep", dir + " sleep"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("reported %q, want %q", got, want)
	}
}

// BenchmarkWatcherIdle: the watcher's CPU over quiet seconds (the server
// alone in its leaf, three idle children already moved), at today's fixed
// 10 ms and with looks from the headroom, for the guest's leaf (64M, 40M
// free) and the default one (3G, 2G free). -benchtime=10x: ten seconds.
func BenchmarkWatcherIdle(b *testing.B) {
	for _, bc := range []struct {
		name         string
		every        time.Duration
		max, current uint64
		forks        bool
	}{
		{"fixed-10ms", 10 * time.Millisecond, 64 << 20, 24 << 20, false},
		{"headroom-64M", 0, 64 << 20, 24 << 20, false},
		{"headroom-3G", 0, 3 << 30, 1 << 30, false},
		{"forks-64M", 0, 64 << 20, 24 << 20, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			server := exec.Command("sleep", "600")
			err := server.Start()
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = server.Process.Kill(); _ = server.Wait() }()
			leaf, agents := b.TempDir(), b.TempDir()
			for f, v := range map[string]string{"cgroup.procs": strconv.Itoa(server.Process.Pid) + "\n", "memory.current": strconv.FormatUint(bc.current, 10) + "\n"} {
				if err := os.WriteFile(filepath.Join(leaf, f), []byte(v), 0o644); err != nil {
					b.Fatal(err)
				}
			}
			for i := range 3 {
				dir := filepath.Join(agents, ProcPrefix+strconv.Itoa(i+1))
				_ = os.Mkdir(dir, 0o755)
				for f, v := range map[string]string{"cgroup.procs": strconv.Itoa(server.Process.Pid) + "\n", "memory.events": "oom_kill 0\n"} {
					_ = os.WriteFile(filepath.Join(dir, f), []byte(v), 0o644)
				}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ready := make(chan struct{})
			w := &Watcher{Leaf: leaf, Agents: agents, Limit: 24 << 20, LeafMax: bc.max, Server: server.Process.Pid, Adj: 500, Every: bc.every}
			if bc.forks {
				if w.Forks, err = Forks(server.Process.Pid); err != nil {
					b.Skip(err)
				}
				defer w.Forks.Close()
			}
			go func() { _ = w.Run(ctx, func() { close(ready) }) }()
			<-ready
			var before, after syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
			start := time.Now()
			b.ResetTimer()
			for range b.N {
				time.Sleep(time.Second)
			}
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			secs := time.Since(start).Seconds()
			cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
			b.ReportMetric(float64(cpu.Microseconds())/1e3/secs, "cpu-ms/s")
			b.ReportMetric(float64(after.Nvcsw+after.Nivcsw-before.Nvcsw-before.Nivcsw)/secs, "switches/s")
		})
	}
}
