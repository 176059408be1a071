package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/internal/cli"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/kills"
	"github.com/claude-launch/claude-launch/pkg/cgroup"
	"github.com/claude-launch/claude-launch/pkg/kernfile"
	"golang.org/x/sys/unix"
)

const (
	// watchName is the watcher's argv[0] (a name, not a flag: nothing of it reaches the server's command line).
	watchName  = "t3-serve-launch-watch"
	watchReady = 5 * time.Second         // bounds the wait for the watcher's first look
	watchEnv   = "T3_SERVE_LAUNCH_WATCH" // holds the watcher's spec, as JSON
)

// watchSpec is what the watcher is told. Detach starts it in a new session and exits; HasForks says fd 4 is
// the server's forks (cgroup.Forks); WatchDir is its own leaf; StateDir and Metrics where kills go.
type watchSpec struct {
	Detach, HasForks            bool
	WatchDir, StateDir, Metrics string
	Level                       config.Level
	cgroup.Watcher
}

// startWatcher starts the watcher of the server's leaf (this process, which execs the server next) in the
// watcher's own leaf, and returns after its first look. It is started through a process that exits at once,
// so that it is never the server's child: a server that waits for all its children would wait forever.
func startWatcher(rep cgroup.Report, limit uint64, cfg *config.Config, forks *os.File) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	spec := watchSpec{Detach: true, WatchDir: rep.WatchDir, Level: cfg.LogLevel, StateDir: cfg.StateDir,
		Metrics: kills.MetricsFile(cfg.MetricsFile), Watcher: cgroup.Watcher{Leaf: rep.Leaf, Agents: rep.Agents, Limit: limit,
			LeafMax: rep.ServerMax, Server: os.Getpid(), Adj: cfg.T3.AgentOOMScoreAdj, Launcher: "claude-launch", Forks: forks}}
	cmd := watchCmd(exe, spec, w)
	// Born in the watcher's leaf (CLONE_INTO_CGROUP), so that not a page of it is charged to the server's;
	// before Linux 5.7, it moves itself there first thing.
	err = errors.New("no cgroup directory")
	if dir, derr := os.Open(rep.WatchDir); derr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(dir.Fd())}
		err = cmd.Run()
		dir.Close()
	}
	if err != nil {
		err = watchCmd(exe, spec, w).Run()
	}
	w.Close()
	if err != nil {
		return fmt.Errorf("start the watcher of the server's cgroup: %w", err)
	}
	_ = r.SetReadDeadline(time.Now().Add(watchReady))
	switch b, err := io.ReadAll(r); {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errors.New("the watcher of the server's cgroup did not start within " + watchReady.String())
	case string(b) != "ready\n":
		return errors.New("the watcher of the server's cgroup did not start (its error is above)")
	}
	return nil
}

// watchCmd runs this program as the watcher, fd 3 the ready pipe and fd 4 the server's forks (when known),
// with an environment of nothing but its spec and where its log goes: never the token.
func watchCmd(exe string, spec watchSpec, ready *os.File) *exec.Cmd {
	spec.HasForks = spec.Forks != nil
	b, _ := json.Marshal(spec)
	cmd := exec.Command(exe)
	cmd.Args[0], cmd.Env = watchName, []string{watchEnv + "=" + string(b)}
	if js := os.Getenv("JOURNAL_STREAM"); js != "" {
		cmd.Env = append(cmd.Env, "JOURNAL_STREAM="+js)
	}
	cmd.Stderr, cmd.ExtraFiles = os.Stderr, []*os.File{ready}
	if spec.HasForks {
		cmd.ExtraFiles = append(cmd.ExtraFiles, spec.Forks)
	}
	return cmd
}

// runWatch is the watcher's main.
func runWatch() int {
	var s watchSpec
	if err := json.Unmarshal([]byte(os.Getenv(watchEnv)), &s); err != nil {
		os.Stderr.WriteString(watchName + ": started by t3-serve-launch, not by hand\n")
		return 2
	}
	ready, w := os.NewFile(3, "ready"), &s.Watcher
	if s.HasForks {
		w.Forks = os.NewFile(4, "forks")
	}
	if s.Detach {
		s.Detach = false
		cmd := watchCmd("/proc/self/exe", s, ready)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			os.Stderr.WriteString(watchName + ": " + err.Error() + "\n")
			return 1
		}
		return 0
	}
	runtime.GOMAXPROCS(1) // one goroutine: one P keeps the runtime's own wake-ups few
	logger := cli.NewLogger(watchName, s.Level)
	// Born there through CLONE_INTO_CGROUP, or moved now: a watcher left in the server's leaf is charged to it.
	if err := kernfile.WriteFile(s.WatchDir+"/cgroup.procs", "0"); err != nil {
		logger.Error("cannot move into the watcher's cgroup: "+err.Error(), "cgroup", s.WatchDir)
		return 1
	}
	syscall.CloseOnExec(3) // the ready pipe: the sentinel must not hold it open
	syscall.CloseOnExec(4)
	defer sentinel()()
	w.OnError = func(err error) {
		logger.Warn("a process the server started stays in the server's own cgroup: "+err.Error(), "cgroup", w.Leaf)
	}
	w.OnKill = func(cg, comm string) {
		logger.Warn("the kernel killed a process the server started, at its cgroup's limit; the server keeps serving",
			"cgroup", cg, "command", comm, "memory_max", cgroup.FormatSize(w.Limit))
		k := kills.Kill{Time: time.Now(), Kind: kills.KindOf(cg), Comm: comm, Cgroup: cg, Max: w.Limit}
		if err := kills.Record(s.StateDir, s.Metrics, k); err != nil {
			logger.Warn("the kill is not recorded: "+err.Error(), "state_dir", s.StateDir)
		}
	}
	err := w.Run(context.Background(), func() {
		_, _ = ready.WriteString("ready\n")
		ready.Close()
	})
	if err != nil {
		logger.Error("stopped watching the server's cgroup: "+err.Error(), "cgroup", w.Leaf)
		return 1
	}
	return 0
}

// sentinel starts a shell, in the watcher's cgroup, that logs that the watcher is gone unless the returned
// bye runs first: a watcher killed (or out of its memory.max) cannot say it itself.
func sentinel() (bye func()) {
	r, w, err := os.Pipe()
	if err != nil {
		return func() {}
	}
	defer r.Close()
	cmd := exec.Command("/bin/sh", "-c", `read -r x; [ "$x" = bye ] || echo "$0" >&2`, watchName+": the watcher of the server's cgroup is gone "+
		"(killed, or out of its memory.max: `journalctl -k`), so the processes the server starts stay in its cgroup; restart the unit to watch them again")
	cmd.Stdin, cmd.Stderr, cmd.Env = r, os.Stderr, []string{}
	if cmd.Start() != nil {
		w.Close()
		return func() {}
	}
	return func() { _, _ = w.WriteString("bye\n") }
}

// forksEnv names the socket of the server's forks (its fd) in this program's environment after the re-exec
// that gave up its capabilities; never passed on to the server.
const forksEnv = "T3_SERVE_LAUNCH_FORKS"

// subscribe subscribes to this process's forks (the server's, once it execs) with the CAP_NET_ADMIN that the unit
// grants for that alone, then gives up every capability: on this thread, and by a re-exec from it on every
// thread, before reading anything but the settings. The subscription's failure is said, not fatal.
func subscribe(logger *log.Logger) (*os.File, error) {
	if fd, err := strconv.Atoi(os.Getenv(forksEnv)); err == nil && isForks(fd) { // after the re-exec
		syscall.CloseOnExec(fd)
		return os.NewFile(uintptr(fd), "forks"), nil
	}
	hdr, held, none := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}, [2]unix.CapUserData{}, [2]unix.CapUserData{}
	if unix.Capget(&hdr, &held[0]) == nil && held == none {
		return nil, nil // nothing to subscribe with, nothing to give up (ambient is within permitted)
	}
	forks, err := cgroup.Forks(os.Getpid())
	if err != nil {
		logger.Warn("the watcher cannot hear the server's forks, so it looks as often as the server's headroom needs", "why", err.Error())
	}
	if os.Getuid() == 0 {
		return forks, nil // root: exec gives every capability back
	}
	runtime.LockOSThread() // capabilities are per thread: this one gives them up and execs
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("give up the ambient capabilities: %w", err)
	}
	if err := unix.Capset(&hdr, &none[0]); err != nil {
		return nil, fmt.Errorf("give up the capabilities: %w", err)
	}
	logger.Debug("starting again without capabilities", "forks_heard", forks != nil)
	env := os.Environ()
	if forks != nil { // kept across the exec (isForks tells, after it)
		_, _ = unix.FcntlInt(forks.Fd(), unix.F_SETFD, 0)
		env = append(env, forksEnv+"="+strconv.Itoa(int(forks.Fd())))
	}
	return nil, fmt.Errorf("start again without capabilities: %w", syscall.Exec("/proc/self/exe", os.Args, env))
}

// isForks says whether fd is a socket on the kernel's process events, as the environment says (it may lie).
func isForks(fd int) bool {
	domain, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	proto, perr := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
	return err == nil && perr == nil && domain == unix.AF_NETLINK && proto == unix.NETLINK_CONNECTOR
}
