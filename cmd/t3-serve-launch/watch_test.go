package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/pkg/cgroup"
)

// TestWatcherSpec: the watcher takes its one named spec, says ready after
// its first look (here at plain directories: the leaf, its own and the
// agents'), moves what it finds, records a kill in the state directory,
// and ends with its server. Without a spec it is refused, with one line.
func TestWatcherSpec(t *testing.T) {
	cmd := exec.Command(bin)
	cmd.Args[0] = watchName
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 || string(out) != watchName+": started by t3-serve-launch, not by hand\n" {
		t.Errorf("by hand: %v, %q", err, out)
	}

	server := exec.Command("sleep", "60")
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = server.Process.Kill(); _ = server.Wait() }()
	leaf, watchDir, agents, state := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	killed := filepath.Join(agents, "agent-7")
	for f, v := range map[string]string{
		filepath.Join(leaf, "cgroup.procs"):     strconv.Itoa(server.Process.Pid) + "\n",
		filepath.Join(watchDir, "cgroup.procs"): "",
		filepath.Join(killed, "cgroup.procs"):   "",
		filepath.Join(killed, "memory.events"):  "oom 1\noom_kill 1\n",
		filepath.Join(leaf, "memory.current"):   "1048576\n",
	} {
		_ = os.MkdirAll(filepath.Dir(f), 0o755)
		if err := os.WriteFile(f, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spec, _ := json.Marshal(watchSpec{WatchDir: watchDir, StateDir: state, Watcher: cgroup.Watcher{Leaf: leaf, Agents: agents,
		Limit: 24 << 20, LeafMax: 64 << 20, Server: server.Process.Pid, Adj: 500}})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	watcher := exec.Command(bin)
	watcher.Args[0] = watchName
	watcher.Env = []string{watchEnv + "=" + string(spec)}
	watcher.ExtraFiles = []*os.File{w}
	var stderr lockedBuffer
	watcher.Stderr = &stderr
	if err := watcher.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if b, _ := io.ReadAll(r); string(b) != "ready\n" {
		t.Fatalf("the watcher said %q, not ready; stderr: %s", b, stderr.String())
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if b, _ := os.ReadFile(filepath.Join(state, "oom-kills.jsonl")); strings.Contains(string(b), `"kind":"agent"`) {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("no kill recorded: %q; stderr: %s", b, stderr.String())
		}
	}
	if got := strings.TrimSpace(stderr.String()); !strings.Contains(got, "the kernel killed a process the server started") {
		t.Errorf("the kill is not in its log: %s", got)
	}
	_ = server.Process.Kill()
	done := make(chan error, 1)
	go func() { done <- watcher.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the watcher ended with %v; stderr: %s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		_ = watcher.Process.Kill()
		t.Fatal("the watcher outlived its server")
	}
}
