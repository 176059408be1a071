// Command t3sim stands for t3-serve and for its agents in the cgroup v2
// guest (cmd/t3-serve-launch's TestCgroupV2Guest), where it runs as
// t3-serve-launch's server and starts its agents as t3-serve does: through
// claude-launch, which it finds as "claude-launch" in PATH and which in
// turn execs t3sim again as the agent ($CLAUDE_LAUNCH_CLAUDE).
//
//	t3sim server SCENARIO...   run the scenarios, print RESULT lines, stay
//	t3sim agent idle SIZE      hold SIZE of memory, as a quiet agent does
//	t3sim agent creep STEP T   grow STEP every T, as a runaway JS or
//	                           Python process does, until killed
//	t3sim agent burst SIZE     take SIZE in one go (dd bs=200M)
//	t3sim agent pane SIZE      as claude-agents' agent: the first pane's
//	                           runs away once, the others hold SIZE
//	t3sim api ADDR             the Messages API for the real claude in the
//	                           guest (api.go)
//
// The scenarios, each with two quiet agents (8M) and a quiet child (4M) of the
// server's own beside the runaway: creep and burst (an agent through
// claude-launch, in its cgroup); child-creep and child-burst (a child the
// server starts itself, as T3 Code starts a terminal, codex or git, which
// t3-serve-launch's watcher moves into a cgroup of its own);
// grandchild (a shell's child runs away); together (three children grow
// at once); and grow, last: the server itself grows, once (a marker in
// /run tells the restarted server not to).
// Throughout, the server allocates and touches 4 MB every 50 ms, timing
// each: the allocations a server makes while it serves.
//
// Every figure goes to stdout as "RESULT scenario.key=value".
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: t3sim server SCENARIO... | t3sim agent idle|creep|burst ARGS")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "server":
		server(os.Args[2:])
	case "agent":
		agent(os.Args[2:])
	case "api":
		api(os.Args[2:])
	default:
		fmt.Fprintln(os.Stderr, "t3sim: unknown mode", os.Args[1])
		os.Exit(2)
	}
}

func agent(args []string) {
	size := func(i int) int {
		n, err := strconv.Atoi(strings.TrimSuffix(args[i], "M"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "t3sim: bad size", args[i])
			os.Exit(2)
		}
		return n << 20
	}
	switch args[0] {
	case "idle":
		touch(size(1))
		hold()
	case "creep":
		step := size(1)
		every, err := time.ParseDuration(args[2])
		if err != nil {
			os.Exit(2)
		}
		for {
			touch(step)
			time.Sleep(every)
		}
	case "burst":
		touch(size(1))
		hold()
	case "pane":
		// One pane's agent, the first to take the marker, runs away once;
		// every other (and that one, started again) holds SIZE.
		if f, err := os.OpenFile(paneMarker, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644); err == nil {
			fmt.Fprintf(f, "%d %s\n", time.Now().UnixMilli(), os.Getenv("TMUX_PANE"))
			f.Close()
			for {
				touch(1 << 20)
				time.Sleep(10 * time.Millisecond)
			}
		}
		touch(size(1))
		hold()
	}
	os.Exit(2)
}

// paneMarker says which pane's agent ran away, and when it began.
const paneMarker = "/tmp/t3sim-pane-runaway"

// hold keeps the process, and its memory, until it is killed.
func hold() {
	for {
		time.Sleep(time.Hour)
	}
}

// touch maps n bytes and writes every page, so the memory is charged.
func touch(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		fmt.Fprintln(os.Stderr, "t3sim: mmap:", err)
		os.Exit(1)
	}
	for i := 0; i < n; i += 4096 {
		b[i] = 1
	}
	return b
}

// probe times the server's own allocations while it runs.
type probe struct {
	mu  sync.Mutex
	max time.Duration
	n   int
}

func (p *probe) run() {
	for {
		start := time.Now()
		b := touch(4 << 20)
		d := time.Since(start)
		_ = syscall.Munmap(b)
		p.mu.Lock()
		if d > p.max {
			p.max = d
		}
		p.n++
		p.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
}

// reset starts a new window and returns the last one's worst allocation.
func (p *probe) reset() (time.Duration, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, n := p.max, p.n
	p.max, p.n = 0, 0
	return m, n
}

func result(scenario, key string, value any) {
	fmt.Printf("RESULT %s.%s=%v\n", scenario, key, value)
}

// ownCgroup is the full path of a process's cgroup v2.
func ownCgroup(pid string) string {
	b, _ := os.ReadFile("/proc/" + pid + "/cgroup")
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			return "/sys/fs/cgroup" + p
		}
	}
	return ""
}

// event reads one counter of a cgroup's memory.events.
func event(dir, name string) int {
	b, _ := os.ReadFile(filepath.Join(dir, "memory.events"))
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return -1
}

func read(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

// start runs an agent as t3-serve does, through claude-launch.
func start(env []string, args ...string) *exec.Cmd {
	return started(exec.Command("claude-launch", append([]string{"agent"}, args...)...), env)
}

func server(scenarios []string) {
	self := ownCgroup("self")
	unit := filepath.Dir(self)
	result("server", "args", strings.Join(scenarios, " "))
	result("server", "cgroup", filepath.Base(self))
	result("server", "unit", filepath.Base(unit))
	result("server", "memory.low", read(filepath.Join(self, "memory.low")))
	result("server", "memory.max", read(filepath.Join(self, "memory.max")))
	result("server", "memory.high", read(filepath.Join(self, "memory.high")))
	result("server", "agents.memory.max", read(filepath.Join(unit, "agents", "memory.max")))
	result("server", "watch.memory.max", read(filepath.Join(unit, "watch", "memory.max")))
	result("server", "watch.procs", len(strings.Fields(read(filepath.Join(unit, "watch", "cgroup.procs")))))
	for _, f := range []string{"memory.high", "memory.max", "memory.swap.max", "memory.oom.group"} {
		result("unit", f, read(filepath.Join(unit, f)))
	}
	p := &probe{}
	go p.run()
	time.Sleep(time.Second)
	max, _ := p.reset()
	result("server", "quiet_max_ms", max.Milliseconds())

	for _, s := range scenarios {
		if s == "grow" {
			grow(p)
			continue
		}
		if s == "quiet" {
			quiet(unit)
			continue
		}
		run(s, unit, p)
	}
	// Every agent and process has ended: the watcher removes their
	// cgroups within two of its sweeps.
	time.Sleep(3 * time.Second)
	result("server", "cgroups_left", strings.Join(leftCgroups(unit), " "))
	result("server", "alive", true)
	// Stay up, as a server does: the unit's state is read from outside.
	hold()
}

// quiet measures the watcher's CPU over a quiet minute (three idle
// children, moved), woken by the server's forks, beside two more watchers
// of the same leaf, each in a cgroup of its own: today's loop (a fixed
// 10 ms, its spec's Every) and the one without CAP_NET_ADMIN (its headroom).
func quiet(unit string) {
	env := os.Environ()
	kids := []*exec.Cmd{child(env, "idle", "4M"), child(env, "idle", "4M"), child(env, "idle", "4M")}
	for _, k := range kids {
		moved(k.Process.Pid)
	}
	// watcher starts a second watcher of this leaf in dir, as t3-serve-launch does.
	self := ownCgroup("self")
	watcher := func(dir, leafMax string, every int) *exec.Cmd {
		_ = os.Mkdir(dir, 0o755)
		spec := fmt.Sprintf(`{"WatchDir":%q,"Level":2,"Leaf":%q,"Agents":%q,"Limit":25165824,"LeafMax":%s,"Server":%d,"Adj":500,"Every":%d}`,
			dir, self, filepath.Join(unit, "agents"), leafMax, os.Getpid(), every)
		r, w, _ := os.Pipe()
		cmd := exec.Command("/usr/local/bin/t3-serve-launch")
		cmd.Args[0] = "t3-serve-launch-watch"
		cmd.Env, cmd.ExtraFiles, cmd.Stderr = []string{"T3_SERVE_LAUNCH_WATCH=" + spec}, []*os.File{w}, os.Stderr
		if d, err := os.Open(dir); err == nil {
			defer d.Close()
			cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(d.Fd())}
		}
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "t3sim: a second watcher:", err)
		}
		w.Close()
		buf := make([]byte, 16)
		n, _ := r.Read(buf)
		result("quiet", filepath.Base(dir)+"_ready", strings.TrimSpace(string(buf[:n])))
		return cmd
	}
	leafMax := read(filepath.Join(self, "memory.max"))
	old, poll := filepath.Join(unit, "watch-fixed"), filepath.Join(unit, "watch-poll")
	watchers := []*exec.Cmd{watcher(old, leafMax, 10000000), watcher(poll, leafMax, 0)}
	time.Sleep(2 * time.Second)
	usage := func(dir string) int {
		for _, line := range strings.Split(read(filepath.Join(dir, "cpu.stat")), "\n") {
			if v, ok := strings.CutPrefix(line, "usage_usec "); ok {
				n, _ := strconv.Atoi(v)
				return n
			}
		}
		return -1
	}
	dirs := []string{filepath.Join(unit, "watch"), old, poll}
	before, start := make([]int, 3), time.Now()
	for i, d := range dirs {
		before[i] = usage(d)
	}
	time.Sleep(60 * time.Second)
	secs := time.Since(start).Seconds()
	for i, d := range dirs {
		result("quiet", filepath.Base(d)+"_cpu_ms_per_min", int(float64(usage(d)-before[i])/1000/secs*60))
	}
	result("quiet", "leaf_current", read(filepath.Join(self, "memory.current")))
	for i, w := range watchers {
		_ = w.Process.Kill()
		_ = w.Wait()
		_ = syscall.Rmdir(dirs[i+1])
	}
	for _, k := range kids {
		_ = k.Process.Kill()
		_ = k.Wait()
	}
}

// run runs one scenario: quiet processes (two agents through
// claude-launch, one child of the server's own), the runaways, and what
// became of each.
func run(s, unit string, p *probe) {
	env := os.Environ()
	quiet := []*exec.Cmd{start(env, "idle", "8M"), start(env, "idle", "8M"), child(env, "idle", "4M")}
	time.Sleep(500 * time.Millisecond)
	p.reset()
	highBefore, killsBefore := event(unit, "high"), event(unit, "oom_kill")
	began := time.Now()
	var runaways []*exec.Cmd
	switch s {
	case "creep": // an agent, through claude-launch
		runaways = append(runaways, start(env, "creep", "1M", "10ms"))
	case "burst":
		runaways = append(runaways, start(env, "burst", "200M"))
	case "child-creep": // a child of the server's own, as a terminal is
		runaways = append(runaways, child(env, "creep", "1M", "10ms"))
	case "child-burst":
		runaways = append(runaways, child(env, "burst", "200M"))
	case "grandchild": // a shell's child, as a build in a terminal is
		runaways = append(runaways, shell(env, "creep", "1M", "10ms"))
	case "together": // several children growing at once
		for range 3 {
			runaways = append(runaways, child(env, "creep", "1M", "10ms"))
		}
	default:
		fmt.Fprintln(os.Stderr, "t3sim: unknown scenario", s)
		os.Exit(2)
	}
	// When each runaway dies, timed without waiting for it, so that it
	// stays a zombie, whose cgroup can still be read, until it is.
	died := make(chan time.Duration, len(runaways))
	for _, r := range runaways {
		go func() {
			for running(r.Process.Pid) {
				time.Sleep(5 * time.Millisecond)
			}
			died <- time.Since(began)
		}()
	}
	var cg string
	if s == "creep" || s == "burst" {
		cg = settled(unit, runaways[0].Process.Pid)
	} else {
		cg = moved(runaways[0].Process.Pid)
	}
	result(s, "runaway.cgroup", strings.TrimPrefix(cg, unit+"/"))
	// Each death's time after began, or -1 for one still alive at 30 s.
	ended := make(chan time.Duration, len(runaways))
	timeout := time.After(30 * time.Second)
	go func() {
		for range runaways {
			select {
			case after := <-died:
				ended <- after
			case <-timeout:
				ended <- -1
			}
		}
	}()
	var how []string
	var last time.Duration
	for range runaways {
		if after := <-ended; after < 0 {
			how = append(how, "alive after 30s")
		} else {
			last = max(last, after)
		}
	}
	for _, r := range runaways {
		_ = r.Process.Kill() // only one still alive after 30 s
		how = append(how, describe(r.Wait()))
	}
	result(s, "runaway", strings.Join(uniq(how), ", "))
	result(s, "runaways", len(runaways))
	result(s, "runaway.killed_after_ms", last.Milliseconds())
	// memory.events counts the unit's whole subtree.
	result(s, "runaway.oom_kill", event(unit, "oom_kill")-killsBefore)
	worst, n := p.reset()
	result(s, "server.max_alloc_ms", worst.Milliseconds())
	result(s, "server.allocations", n)
	result(s, "unit.high_events", event(unit, "high")-highBefore)
	alive := 0
	for i, q := range quiet {
		if running(q.Process.Pid) {
			alive++
		}
		if i < 2 {
			result(s, "quiet.cgroup", strings.TrimPrefix(settled(unit, q.Process.Pid), unit+"/"))
		}
		_ = q.Process.Kill()
		_ = q.Wait()
	}
	result(s, "quiet_alive", alive)
	result(s, "agents_left", strings.Join(agentDirs(unit), " "))
}

// grow makes the server itself the runaway, once: it grows 1 MB every
// 10 ms, with quiet processes beside it, until the kernel kills it. The
// restarted server finds the marker and only says so.
func grow(p *probe) {
	const marker = "/run/t3sim-grew"
	if _, err := os.Stat(marker); err == nil {
		result("grow", "restarted", true)
		return
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "t3sim:", err)
		os.Exit(1)
	}
	result("grow", "server_pid", os.Getpid())
	env := os.Environ()
	for _, q := range []*exec.Cmd{start(env, "idle", "8M"), start(env, "idle", "8M"), child(env, "idle", "4M")} {
		result("grow", "quiet.pid", q.Process.Pid)
	}
	time.Sleep(500 * time.Millisecond)
	result("grow", "began_ms", time.Now().UnixMilli())
	for {
		touch(1 << 20) // mapped and never unmapped: kept
		time.Sleep(10 * time.Millisecond)
	}
}

// running says pid runs: not ended, and not a zombie that was killed and
// not yet waited for.
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] != 'Z'
}

func uniq(s []string) []string {
	var out []string
	for _, v := range s {
		if len(out) == 0 || out[len(out)-1] != v {
			out = append(out, v)
		}
	}
	return out
}

// child starts a child of the server's own, as T3 Code starts a
// terminal, codex or git: not through claude-launch.
func child(env []string, args ...string) *exec.Cmd {
	self, _ := os.Executable()
	cmd := exec.Command(self, append([]string{"agent"}, args...)...)
	return started(cmd, env)
}

// shell starts a shell whose child is the t3sim agent: the shell stays,
// as a terminal's does, and exits with its child's status.
func shell(env []string, args ...string) *exec.Cmd {
	self, _ := os.Executable()
	cmd := exec.Command("sh", append([]string{"-c", `"$0" agent "$@"; exit $?`, self}, args...)...)
	return started(cmd, env)
}

func started(cmd *exec.Cmd, env []string) *exec.Cmd {
	cmd.Env, cmd.Stdout, cmd.Stderr = env, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "t3sim: start:", err)
		os.Exit(1)
	}
	return cmd
}

// settled waits until claude-launch, pid, has exec'd the agent, and
// returns the agent's cgroup: its own agents/agent-PID (which outlives a
// quick death until the next agent's launch sweeps it) or, when it did
// not join one, the cgroup it runs in.
func settled(unit string, pid int) string {
	own := filepath.Join(unit, "agents", "agent-"+strconv.Itoa(pid))
	proc := "/proc/" + strconv.Itoa(pid)
	for range 500 {
		if _, err := os.Stat(own); err == nil {
			return own
		}
		if cmd, err := os.ReadFile(proc + "/cmdline"); err != nil || strings.Contains(string(cmd), "\x00agent\x00") && !strings.Contains(string(cmd), "claude-launch") {
			break // exec'd (or already gone) without joining
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(own); err == nil {
		return own
	}
	return ownCgroup(strconv.Itoa(pid))
}

// moved waits until the watcher has given pid, a child of the server's
// own, a cgroup of its own (agents/proc-PID), and returns it: or, after
// 2 s, the cgroup pid is in.
func moved(pid int) string {
	p := strconv.Itoa(pid)
	for range 200 {
		if cg := ownCgroup(p); strings.Contains(cg, "/agents/proc-") || cg == "" {
			return cg
		}
		time.Sleep(10 * time.Millisecond)
	}
	return ownCgroup(p)
}

// leftCgroups lists the agents' and the processes' cgroups still present.
func leftCgroups(unit string) []string {
	var names []string
	entries, _ := os.ReadDir(filepath.Join(unit, "agents"))
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

// agentDirs lists the agent cgroups still present (the next agent's
// claude-launch removes the empty ones).
func agentDirs(unit string) []string {
	var names []string
	entries, _ := os.ReadDir(filepath.Join(unit, "agents"))
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "agent-") {
			names = append(names, e.Name())
		}
	}
	return names
}

func describe(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Sprintf("signal %d (%s)", int(ws.Signal()), ws.Signal())
		}
		return fmt.Sprintf("exit %d", ee.ExitCode())
	}
	if err == nil {
		return "exit 0"
	}
	return err.Error()
}
