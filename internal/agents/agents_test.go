package agents

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/kernfile"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
)

// TestList starts processes as agents are started (through a launcher's
// environment, and one claude child of another) and finds each with the
// fingerprint of its token, and none of the children.
func TestList(t *testing.T) {
	dir := t.TempDir()
	claude := filepath.Join(dir, "claude")
	if err := os.WriteFile(claude, []byte("#!/bin/sh\nsh -c 'sleep 60' &\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tok, _ := token.NewSecret(token.Prefix + "TESTagents")
	start := func(env ...string) *exec.Cmd {
		cmd := exec.Command(claude)
		cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, env...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	withToken := start("CLAUDE_LAUNCH_DEPTH=1", token.EnvVar+"="+tok.Reveal(), "TMUX_PANE=%7")
	ownLogin := start("CLAUDE_LAUNCH_DEPTH=1")
	bad := start("CLAUDE_LAUNCH_DEPTH=1", token.EnvVar+"=not-a-token")
	plain := start() // not started through a launcher, nor called claude by argv0 after exec
	time.Sleep(200 * time.Millisecond)

	list, err := List()
	if err != nil {
		t.Fatal(err)
	}
	byPID := map[int]Agent{}
	for _, a := range list {
		byPID[a.PID] = a
	}
	if a, ok := byPID[withToken.Process.Pid]; !ok || a.Fingerprint != fingerprint.Of(tok) || a.Pane != "%7" || a.Started.IsZero() {
		t.Errorf("agent on the setup token: %+v (found %v)", a, ok)
	}
	if a, ok := byPID[ownLogin.Process.Pid]; !ok || a.Fingerprint != "" || a.Invalid {
		t.Errorf("agent on its own login: %+v (found %v)", a, ok)
	}
	if a, ok := byPID[bad.Process.Pid]; !ok || !a.Invalid {
		t.Errorf("agent with a bad token: %+v (found %v)", a, ok)
	}
	if _, ok := byPID[plain.Process.Pid]; ok {
		t.Error("a process not started as claude was listed")
	}
	for _, a := range list {
		if a.PID != withToken.Process.Pid && a.PID != ownLogin.Process.Pid && a.PID != bad.Process.Pid {
			// Only the three agents: their shells' children are not agents.
			st, _ := kernfile.ReadStat(a.PID)
			for _, c := range []*exec.Cmd{withToken, ownLogin, bad} {
				if ppid := st.PPID; ppid == c.Process.Pid {
					t.Errorf("child %d of agent %d listed", a.PID, ppid)
				}
			}
		}
	}
}

func TestTTYName(t *testing.T) {
	for nr, want := range map[int]string{0: "", 34816: "pts/0", 34819: "pts/3", 1025: "tty1"} {
		if got := ttyName(nr); got != want {
			t.Errorf("ttyName(%d) = %q, want %q", nr, got, want)
		}
	}
}

// TestServerProcess: a process in a proc-PID cgroup (one that T3 Code's
// server started, moved by the watcher) is told from an agent, though it
// inherited the launcher's environment. Needs a writable cgroup2 mount.
func TestServerProcess(t *testing.T) {
	root := "/sys/fs/cgroup/unified"
	if _, err := os.Stat(root + "/cgroup.procs"); err != nil {
		root = "/sys/fs/cgroup"
	}
	parent, err := os.MkdirTemp(root, "agents-test-")
	if err != nil {
		testenv.Missing(t, "a writable cgroup2 mount ("+err.Error()+")", "run the tests as root where cgroup2 is mounted")
	}
	dir := filepath.Join(parent, "proc-1")
	sleep := exec.Command("sleep", "60")
	sleep.Env = []string{"CLAUDE_LAUNCH_DEPTH=1"}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = sleep.Process.Kill()
		_ = sleep.Wait()
		_ = os.Remove(dir)
		_ = os.Remove(parent)
	})
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(sleep.Process.Pid)), 0); err != nil {
		testenv.Missing(t, "a cgroup a process can be moved into ("+err.Error()+")", "run the tests as root where cgroup2 is mounted")
	}
	list, err := List()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.PID == sleep.Process.Pid && !a.ServerProcess {
			t.Errorf("a process in %s is listed as an agent", dir)
		}
		if a.PID == sleep.Process.Pid {
			return
		}
	}
	t.Error("the server's process is not listed")
}
