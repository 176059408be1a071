// Package systemdtest runs a real systemd for tests: Debian's systemd as
// PID 1 of private PID, mount and cgroup namespaces on this machine
// (scripts/systemd-ns), torn down with every cgroup, mount and process it
// made. It needs root; without it, or without systemd, unshare and nsenter,
// a test skips (fails under CLAUDE_LAUNCH_REQUIRE_TOOLS=1).
package systemdtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/testenv"
	sd "github.com/coreos/go-systemd/v22/dbus"
)

// Systemd is a running systemd in namespaces.
type Systemd struct {
	// PID is the host PID of the namespace's PID 1.
	PID int
	// UnitDir is the only unit directory it loads.
	UnitDir string
	name    string
	cmd     *exec.Cmd
	scripts string
}

var seq atomic.Int32

// Start starts systemd with units (file name → content) beside the empty
// target it boots into, and stops it when t ends.
func Start(t testing.TB, units map[string]string) *Systemd {
	t.Helper()
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root", "run the tests as root to start systemd in namespaces")
	}
	for _, tool := range []string{"/lib/systemd/systemd", "unshare", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Missing(t, tool, "apt-get install systemd util-linux")
		}
	}
	_, file, _, _ := runtime.Caller(0)
	scripts := filepath.Join(filepath.Dir(file), "..", "..", "..", "scripts", "systemd-ns")
	dir := t.TempDir()
	units["sdexp.target"] = "[Unit]\nDescription=claude-launch test target\n"
	for name, content := range units {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := &Systemd{UnitDir: dir, name: fmt.Sprintf("claude-launch-test-%d-%d", os.Getpid(), seq.Add(1)), scripts: scripts}
	logf, err := os.Create(filepath.Join(dir, "systemd.log"))
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(filepath.Join(scripts, "launch.sh"), s.name, dir)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.stop(t); logf.Close() })
	if err := s.waitReady(30 * time.Second); err != nil {
		b, _ := os.ReadFile(logf.Name())
		t.Fatalf("systemd in namespaces did not come up: %v\n%s", err, b)
	}
	return s
}

func (s *Systemd) waitReady(d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if s.PID == 0 {
			s.PID = s.findInit()
		}
		if s.PID != 0 {
			out, _ := s.Command("systemctl", "is-system-running").Output()
			switch strings.TrimSpace(string(out)) {
			case "running", "degraded":
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %s", d)
}

// findInit returns the host PID of the namespace's PID 1 once it runs
// systemd: the child that unshare --fork made (launch.sh runs other
// children before it).
func (s *Systemd) findInit() int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", s.cmd.Process.Pid, s.cmd.Process.Pid))
	for _, f := range strings.Fields(string(b)) {
		comm, _ := os.ReadFile("/proc/" + f + "/comm")
		if strings.TrimSpace(string(comm)) == "systemd" {
			pid, _ := strconv.Atoi(f)
			return pid
		}
	}
	return 0
}

// stop kills the namespace's PID 1, which takes every process of the PID
// namespace with it, then removes the cgroups launch.sh made.
func (s *Systemd) stop(t testing.TB) {
	if s.PID == 0 {
		s.PID = s.findInit()
	}
	if s.PID != 0 {
		_ = syscall.Kill(s.PID, syscall.SIGKILL)
		for i := 0; i < 100 && syscall.Kill(s.PID, 0) == nil; i++ {
			time.Sleep(20 * time.Millisecond) // the kernel reaps the namespace
		}
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	if out, err := exec.Command(filepath.Join(s.scripts, "teardown.sh"), s.name, s.UnitDir).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("teardown: %v %s", err, out)
	}
}

// Command runs name inside the namespaces (nsenter -m -p -C), as a process
// of that systemd's world.
func (s *Systemd) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("nsenter", append([]string{"-t", strconv.Itoa(s.PID), "-m", "-p", "-C", "--", name}, args...)...)
}

// helperEnv makes a test binary started inside the namespaces act as a
// D-Bus client (see HelperMain).
const helperEnv = "SYSTEMDTEST_GET_PROPERTY"

// Property reads a unit property over D-Bus, through go-systemd, as
// "type value" ("uint64 67108864", "string continue"). The client runs
// inside the namespaces (this test binary, started by nsenter, taking the
// HelperMain path): the manager turns away clients from outside its PID
// namespace. iface is the unit type: "Unit", "Scope", "Service".
func (s *Systemd) Property(unit, iface, name string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	cmd := s.Command(self)
	cmd.Env = append(os.Environ(), helperEnv+"="+unit+"|"+iface+"|"+name)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("get %s %s: %v: %s", unit, name, err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// HelperMain must be called first in TestMain of a package that uses
// Property: in the helper process it prints the property and exits.
func HelperMain() {
	req := os.Getenv(helperEnv)
	if req == "" {
		return
	}
	parts := strings.SplitN(req, "|", 3)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := sd.NewSystemdConnectionContext(ctx)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	var p *sd.Property
	if parts[1] == "Unit" {
		p, err = conn.GetUnitPropertyContext(ctx, parts[0], parts[2])
	} else {
		p, err = conn.GetUnitTypePropertyContext(ctx, parts[0], parts[1], parts[2])
	}
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Printf("%T %v\n", p.Value.Value(), p.Value.Value())
	os.Exit(0)
}
