package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/internal/testenv/systemdtest"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
	"golang.org/x/sys/unix"
)

// bin is t3-serve-launch built for the tests.
var bin string

func TestMain(m *testing.M) {
	systemdtest.HelperMain()
	dir, err := os.MkdirTemp("", "t3-serve-launch-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	flag.Parse()
	bin = filepath.Join(dir, "t3-serve-launch")
	if err := testenv.BuildCommands(dir, "github.com/claude-launch/claude-launch/cmd/t3-serve-launch", "github.com/claude-launch/claude-launch/cmd/claude-launch"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// lockedBuffer collects a process's stderr while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fakeServer stands for t3-serve: it reports where it runs and its memory
// limit, starts a runaway child that allocates $HOG, reports how the child
// ended and that it is still alive, then holds until $DONE exists.
const fakeServer = `#!/bin/sh
echo "args: $*"
cg=$(awk -F: '$2=="memory"{print $3}' /proc/self/cgroup)
echo "cgroup: $cg"
echo "limit: $(cat /sys/fs/cgroup/memory$cg/memory.limit_in_bytes)"
echo "agent oom_score_adj: $CLAUDE_LAUNCH_OOM_SCORE_ADJ"
echo "token: $(printf %s "$CLAUDE_CODE_OAUTH_TOKEN" | sha256sum | cut -c1-8)"
dd if=/dev/zero of=/dev/null bs=${HOG:-200M} count=1 2>/dev/null
echo "child: $?"
echo "server alive"
while [ -n "$DONE" ] && [ ! -e "$DONE" ]; do sleep 0.1; done
`

type serverRun struct {
	cmd    *exec.Cmd
	stdout *bufio.Reader
	stderr *lockedBuffer
	lines  []string
	done   string
}

// start runs t3-serve-launch inside the namespaces with a fake t3-serve.
func start(t *testing.T, s *systemdtest.Systemd, env []string, args ...string) *serverRun {
	t.Helper()
	return startVia(t, s, nil, env, args...)
}

// startVia is start with t3-serve-launch run by the command via (such as
// systemd-run --scope).
func startVia(t *testing.T, s *systemdtest.Systemd, via, env []string, args ...string) *serverRun {
	t.Helper()
	dir := t.TempDir()
	server := filepath.Join(dir, "t3-serve")
	if err := os.WriteFile(server, []byte(fakeServer), 0o755); err != nil {
		t.Fatal(err)
	}
	// The user's env file: the server gets the setup token, as agents do.
	if err := store.WriteEnvFile(filepath.Join(dir, ".config", "claude-auth-sync", "claude-oauth.env"), testToken(t)); err != nil {
		t.Fatal(err)
	}
	r := &serverRun{done: filepath.Join(dir, "done"), stderr: &lockedBuffer{}}
	argv := append(append(append([]string{}, via...), bin), args...)
	r.cmd = s.Command(argv[0], argv[1:]...)
	r.cmd.Env = append(testenv.CoverEnv([]string{"PATH=/usr/bin:/bin", "HOME=" + dir, "T3_SERVE_LAUNCH_SERVER=" + server, "DONE=" + r.done}), env...)
	out, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r.stdout = bufio.NewReader(out)
	r.cmd.Stderr = r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.finish)
	return r
}

// waitFor reads stdout until a line matches re.
func (r *serverRun) waitFor(t *testing.T, re string) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	found := make(chan string, 1)
	go func() {
		for {
			line, err := r.stdout.ReadString('\n')
			if line = strings.TrimSpace(line); line != "" {
				r.lines = append(r.lines, line)
				if rx.MatchString(line) {
					found <- line
					return
				}
			}
			if err != nil {
				close(found)
				return
			}
		}
	}()
	select {
	case l, ok := <-found:
		if !ok {
			t.Fatalf("no line matching %q; stdout %q; stderr:\n%s", re, r.lines, r.stderr)
		}
		return l
	case <-time.After(90 * time.Second):
		t.Fatalf("timed out waiting for %q; stdout %q; stderr:\n%s", re, r.lines, r.stderr)
	}
	return ""
}

func (r *serverRun) finish() {
	_ = os.WriteFile(r.done, nil, 0o644)
	_, _ = io.Copy(io.Discard, r.stdout)
	_ = r.cmd.Wait()
}

func (r *serverRun) has(re string) bool {
	rx := regexp.MustCompile(re)
	for _, l := range r.lines {
		if rx.MatchString(l) {
			return true
		}
	}
	return false
}

// TestScopeOnSystemd runs t3-serve-launch against a real systemd 252 on
// this machine's cgroup v1 memory controller: it moves itself into a capped
// scope, says which caps v1 cannot enforce, and a runaway child is
// OOM-killed alone while the server and the scope live on.
func TestScopeOnSystemd(t *testing.T) {
	s := systemdtest.Start(t, map[string]string{})
	r := start(t, s, nil, "--memory-high", "48M", "--memory-max", "64M", "--scope-name", "t3test", "--log-level", "info", "--", "--port", "8080")
	r.waitFor(t, "^server alive$")
	for _, want := range []string{`^args: --port 8080$`, `^cgroup: .*/t3test\.scope$`, `^limit: 67108864$`, `^child: 137$`, `^agent oom_score_adj: 500$`, `^token: ` + fingerprint.Of(testToken(t)) + `$`} {
		if !r.has(want) {
			t.Errorf("server output lacks %q: %q", want, r.lines)
		}
	}
	for _, want := range []string{
		"cgroup v1: MemoryHigh is not enforced (v1 has no memory.high",
		"cgroup v1: MemorySwapMax is not enforced (v1 bounds memory and swap together, in memory.memsw.limit_in_bytes, which systemd does not set)",
		"cgroup v1: OOMPolicy has no effect here",
		"running in a capped scope scope=t3test.scope",
	} {
		if !strings.Contains(r.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr.String(), "TESTtokenVALUE") || r.has("TESTtokenVALUE") {
		t.Error("the token leaked to stdout or stderr")
	}
	checkProps(t, s, "t3test.scope", "Scope", map[string]string{
		"MemoryHigh": "uint64 50331648", "MemoryMax": "uint64 67108864", "MemorySwapMax": "uint64 0", "OOMPolicy": "string continue",
	})
	checkProps(t, s, "t3test.scope", "Unit", map[string]string{"ActiveState": "string active"}) // after the OOM kill

	// The same name again while the first scope lives: UnitExists, then a
	// fresh name.
	r2 := start(t, s, []string{"HOG=1M"}, "--memory-max", "64M", "--memory-high", "48M", "--scope-name", "t3test", "--log-level", "info")
	r2.waitFor(t, "^server alive$")
	if !regexp.MustCompile(`running in a capped scope scope=t3test-[0-9]+\.scope`).MatchString(r2.stderr.String()) {
		t.Errorf("second run did not take a fresh name:\n%s", r2.stderr)
	}
}

// TestUnitAlreadyCapped starts scripts/systemd/t3-serve@.service itself:
// the unit sets the caps, so t3-serve-launch finds them in force and execs
// the server without a scope.
func TestUnitAlreadyCapped(t *testing.T) {
	unit, err := os.ReadFile("../../scripts/systemd/t3-serve@.service")
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?m)^EnvironmentFile=`).Match(unit) {
		t.Error("the unit loads an env file itself, bypassing t3-serve-launch's checks of it")
	}
	dir := t.TempDir()
	server := filepath.Join(dir, "t3-serve")
	if err := os.WriteFile(server, []byte(fakeServer), 0o755); err != nil {
		t.Fatal(err)
	}
	// An env file others can read: refused, so the server gets no token.
	// (The unit once had EnvironmentFile=, which handed it over anyway.)
	envFile := filepath.Join(dir, ".config", "claude-auth-sync", "claude-oauth.env")
	if err := store.WriteEnvFile(envFile, testToken(t)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(envFile, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut := filepath.Join(dir, "out"), filepath.Join(dir, "err")
	s := systemdtest.Start(t, map[string]string{
		"t3-serve@.service": string(unit),
		// Only what the namespace lacks (no sysinit.target, binaries not
		// in /usr/local/bin, no journal) is changed.
		"t3-serve@.service.d/test.conf": fmt.Sprintf(`[Unit]
DefaultDependencies=no
[Service]
ExecStart=
ExecStart=%s --log-level info -- --from-unit
Environment=T3_SERVE_LAUNCH_SERVER=%s HOG=1M HOME=%s %s
StandardOutput=file:%s
StandardError=file:%s
`, bin, server, dir, strings.Join(testenv.CoverEnv(nil), " "), out, errOut),
	})
	if b, err := s.Command("systemctl", "start", "t3-serve@root.service").CombinedOutput(); err != nil {
		t.Fatalf("systemctl start: %v %s", err, b)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, _ := os.ReadFile(out)
		if strings.Contains(string(b), "server alive") {
			break
		}
		if time.Now().After(deadline) {
			e, _ := os.ReadFile(errOut)
			st, _ := s.Command("systemctl", "status", "t3-serve@root.service").CombinedOutput()
			t.Fatalf("server did not run: stdout %q stderr %q\n%s", b, e, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	e, _ := os.ReadFile(errOut)
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(e), "caps in force in the unit unit=t3-serve@root.service") || strings.Contains(string(e), "scope") {
		t.Errorf("want the already-capped path, stderr:\n%s", e)
	}
	if !strings.Contains(string(b), "args: --from-unit") || !strings.Contains(string(b), "t3-serve@root.service") {
		t.Errorf("server output:\n%s", b)
	}
	if !strings.Contains(string(e), "group or others can access it (mode 0644)") || !strings.Contains(string(b), "token: e3b0c442\n") {
		t.Errorf("the unsafe env file's token reached the server, or its refusal was not said: stderr\n%s\nstdout\n%s", e, b)
	}
	checkProps(t, s, "t3-serve@root.service", "Service", map[string]string{
		"MemoryHigh": "uint64 12884901888", "MemoryMax": "uint64 17179869184", "MemorySwapMax": "uint64 0", "OOMPolicy": "string continue",
	})
}

// TestServiceRefusals: as a service's process, t3-serve-launch judges the
// service itself and, when it falls short, refuses (exit 78, which the
// unit does not restart on) with the lines to add, rather than move itself
// out of the service into a scope: the service's stop would then leave the
// server running, and its caps would not apply.
func TestServiceRefusals(t *testing.T) {
	s := systemdtest.Start(t, map[string]string{"capped.slice": cappedSlice})
	for _, c := range []struct {
		name  string
		props []string
		cmd   []string
		want  []string
		not   []string
	}{{
		name: "t3nocaps", cmd: []string{bin},
		want: []string{"t3nocaps.service runs without MemoryMax=16G", "OOMPolicy=continue (it says stop: the first OOM kill of an agent would stop the server)",
			"systemctl edit t3nocaps.service", "  OOMPolicy=continue\n"},
	}, {
		// The caps of the incident's fix, but OOMPolicy left at stop.
		name: "t3stop", props: []string{"MemoryHigh=12G", "MemoryMax=16G", "MemorySwapMax=0"}, cmd: []string{bin},
		want: []string{"t3stop.service runs without OOMPolicy=continue (it says stop"},
		not:  []string{"runs without MemoryMax", "runs without MemoryHigh"},
	}, {
		// The caps on a slice it shares with other units, none of its own.
		name: "t3slice", props: []string{"Slice=capped.slice", "OOMPolicy=continue"}, cmd: []string{bin},
		want: []string{"t3slice.service runs without MemoryMax=16G (in force: max)", "systemctl edit t3slice.service"},
		not:  []string{"runs without OOMPolicy"},
	}, {
		// Not the main process: ExecStart= goes through a shell.
		name: "t3shell", props: []string{"MemoryHigh=12G", "MemoryMax=16G", "MemorySwapMax=0", "OOMPolicy=continue"},
		cmd: []string{"/bin/sh", "-c", bin + "; echo ended"},
		want: []string{"this is not the main process of its service t3shell.service", "`systemctl stop t3shell.service` would leave it running",
			"make the line ExecStart=" + bin + " [arguments], with nothing in between"},
	}} {
		t.Run(c.name, func(t *testing.T) {
			errOut := filepath.Join(t.TempDir(), "err")
			args := []string{"--unit=" + c.name, "-p", "DefaultDependencies=no", "-p", "StandardError=file:" + errOut,
				"--setenv=T3_SERVE_LAUNCH_SERVER=/bin/true"}
			for _, p := range c.props {
				args = append(args, "-p", p)
			}
			if b, err := s.Command("systemd-run", append(args, c.cmd...)...).CombinedOutput(); err != nil {
				t.Fatalf("systemd-run: %v %s", err, b)
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				e, _ := os.ReadFile(errOut)
				if strings.Contains(string(e), "refusing") {
					for _, w := range c.want {
						if !strings.Contains(string(e), w) {
							t.Errorf("stderr lacks %q:\n%s", w, e)
						}
					}
					for _, n := range c.not {
						if strings.Contains(string(e), n) {
							t.Errorf("stderr has %q:\n%s", n, e)
						}
					}
					if n := strings.Count(string(e), "ERRO"); n != 1 {
						t.Errorf("%d errors, want one message:\n%s", n, e)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no refusal; stderr %q", e)
				}
				time.Sleep(100 * time.Millisecond)
			}
			// It ran as the unit's process, and exited 78 (EX_CONFIG).
			if c.name != "t3shell" {
				waitProp(t, s, c.name+".service", "Service", "ExecMainStatus", "int32 78")
			}
		})
	}
}

// TestSharedSliceIsNotACap: a limit on a parent slice bounds the sum of
// everything in it, not the server: started in a scope of capped.slice,
// t3-serve-launch still makes a capped scope of its own.
func TestSharedSliceIsNotACap(t *testing.T) {
	s := systemdtest.Start(t, map[string]string{"capped.slice": cappedSlice})
	r := startVia(t, s, []string{"systemd-run", "--scope", "--slice=capped.slice", "--unit=outer", "-p", "DefaultDependencies=no"},
		[]string{"HOG=1M"}, "--scope-name", "t3own", "--log-level", "info")
	r.waitFor(t, "^server alive$")
	if !strings.Contains(r.stderr.String(), "running in a capped scope scope=t3own.scope") || strings.Contains(r.stderr.String(), "in force in the unit") {
		t.Errorf("the slice's limits were taken for the server's own:\n%s", r.stderr)
	}
	checkProps(t, s, "t3own.scope", "Scope", map[string]string{"MemoryMax": "uint64 17179869184", "OOMPolicy": "string continue"})
}

// cappedSlice is a slice with the server's caps, shared by whatever runs
// in it.
const cappedSlice = "[Slice]\nMemoryAccounting=yes\nMemoryHigh=12G\nMemoryMax=16G\nMemorySwapMax=0\n"

// waitProp waits until a unit's property has the value.
func waitProp(t *testing.T, s *systemdtest.Systemd, unit, iface, name, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := s.Property(unit, iface, name)
		if err == nil && got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s = %s (%v), want %s", unit, name, got, err, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func testToken(t *testing.T) token.Secret {
	s, err := token.NewSecret(token.Prefix + "TESTtokenVALUE_t3")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func checkProps(t *testing.T, s *systemdtest.Systemd, unit, iface string, want map[string]string) {
	t.Helper()
	for name, w := range want {
		got, err := s.Property(unit, iface, name)
		if err != nil {
			t.Error(err)
		} else if got != w {
			t.Errorf("%s %s = %s, want %s", unit, name, got, w)
		}
	}
}

// TestVersionAndSettings: --version, and the settings read as claude-launch
// reads them: a value the launcher accepts (WARN) is accepted, a bad one
// from the environment is a warning, a bad flag a usage error.
func TestVersionAndSettings(t *testing.T) {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || len(strings.TrimSpace(string(out))) == 0 {
		t.Errorf("--version: %q %v", out, err)
	}
	cmd := exec.Command(bin, "--memory-max=16GG")
	b, err := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(b), `--memory-max="16GG" is not bytes, a number with K, M, G or T such as 12G, or a percentage such as 50%`) {
		t.Errorf("bad flag: exit %d: %s %v", cmd.ProcessState.ExitCode(), b, err)
	}
	server := filepath.Join(t.TempDir(), "t3-serve")
	if err := os.WriteFile(server, []byte("#!/bin/sh\necho served \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(bin, "--allow-uncapped", "--", "--port", "1")
	cmd.Env = testenv.CoverEnv([]string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), config.EnvT3Server + "=" + server,
		config.EnvLogLevel + "=WARN", config.EnvVaultTimeout + "=soon", config.EnvDisable + "=1"})
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b, err = cmd.Output()
	if err != nil || string(b) != "served --port 1\n" {
		t.Errorf("settings from the environment stopped it: %v %q\n%s", err, b, stderr.String())
	}
	if n := strings.Count(stderr.String(), `CLAUDE_LAUNCH_VAULT_TIMEOUT="soon" is not a positive duration`); n != 1 {
		t.Errorf("%d warnings about the bad value, want 1:\n%s", n, stderr.String())
	}
}

var update = flag.Bool("update", false, "rewrite the help section of docs/t3-serve.md")

// TestDocsHelp: docs/t3-serve.md shows the real --help.
func TestDocsHelp(t *testing.T) {
	c := exec.Command(bin, "--help")
	c.Env = []string{"HOME=/home/you", "PATH=" + os.Getenv("PATH")}
	out, err := c.Output()
	if err != nil {
		t.Fatalf("--help: %v", err)
	}
	want := "\n```\n$ t3-serve-launch --help\n" + strings.TrimRight(string(out), "\n") + "\n```\n"
	testenv.CheckDocSection(t, "docs/t3-serve.md", "HELP t3-serve-launch", want, *update)
}

// TestCapabilitiesGivenUp: run as a user with the CAP_NET_ADMIN the unit
// grants, t3-serve-launch subscribes to the server's forks and gives up
// every capability before the server starts: the server holds none, in any
// set, and neither the socket nor the variable that carried it across the
// re-exec reaches it.
func TestCapabilitiesGivenUp(t *testing.T) {
	if os.Getuid() != 0 {
		testenv.Missing(t, "root, to grant a capability to another user", "run the tests as root")
	}
	dir, err := os.MkdirTemp("", "caps") // t.TempDir's parent is closed to others
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	self, server := filepath.Join(dir, "t3-serve-launch"), filepath.Join(dir, "t3")
	b, err := os.ReadFile(bin)
	if err == nil {
		err = os.WriteFile(self, b, 0o755)
	}
	if err == nil {
		err = os.WriteFile(server, []byte("#!/bin/sh\ngrep -E '^Cap(Inh|Prm|Eff|Amb):' /proc/$$/status\n"+
			"echo sockets $(ls -l /proc/$$/fd | grep -c socket:) variable $(env | grep -c T3_SERVE_LAUNCH_FORKS)\n"), 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	run := func(argv ...string) string {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stderr = &stderr
		cmd.Env = testenv.CoverEnv([]string{"PATH=/usr/bin:/bin", "HOME=" + dir, config.EnvT3Server + "=" + server, config.EnvDisable + "=1"})
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}, AmbientCaps: []uintptr{unix.CAP_NET_ADMIN}}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", argv[0], err)
		}
		return string(out)
	}
	if out := run(server); !strings.Contains(out, "CapAmb:\t0000000000001000") {
		t.Fatalf("the test did not grant CAP_NET_ADMIN:\n%s", out)
	}
	out := run(self, "--allow-uncapped", "--log-level", "debug", "serve")
	if lines := regexp.MustCompile(`(?m)^Cap(Inh|Prm|Eff|Amb):\s+0+$`).FindAllString(out, -1); len(lines) != 4 {
		t.Errorf("the server holds a capability:\n%s", out)
	}
	if !strings.Contains(out, "sockets 0 variable 0") || !strings.Contains(stderr.String(), "starting again without capabilities forks_heard=true") {
		t.Errorf("the subscription failed, or what carried it reached the server:\n%s\n%s", out, stderr.String())
	}
}
