package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/pkg/cgroup"
)

// TestWatcherDeathIsSaid: a watcher that is killed says so in the unit's
// log (its stderr), with what it means and what to do; one that ends with
// the server says nothing. The watcher runs over a cgroup tree in a
// directory (it only reads and writes the files), watching a real process.
func TestWatcherDeathIsSaid(t *testing.T) {
	for _, killWatcher := range []bool{true, false} {
		server := exec.Command("sleep", "60")
		if err := server.Start(); err != nil {
			t.Fatal(err)
		}
		root := t.TempDir()
		for _, d := range []string{"leaf", "watch", "agents"} {
			if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, d, "cgroup.procs"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ready, readyW, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		stderr, stderrW, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		spec, _ := json.Marshal(watchSpec{WatchDir: filepath.Join(root, "watch"), Watcher: cgroup.Watcher{Leaf: filepath.Join(root, "leaf"),
			Agents: filepath.Join(root, "agents"), Limit: 16 << 20, LeafMax: 16 << 20, Server: server.Process.Pid}})
		w := exec.Command(bin)
		w.Args[0], w.Env, w.Stderr, w.ExtraFiles = watchName, []string{watchEnv + "=" + string(spec)}, stderrW, []*os.File{readyW}
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		readyW.Close()
		stderrW.Close()
		if b, _ := io.ReadAll(ready); string(b) != "ready\n" {
			t.Fatalf("the watcher did not start: %q", b)
		}
		if killWatcher {
			_ = w.Process.Signal(syscall.SIGKILL)
		} else {
			_ = server.Process.Kill()
		}
		_ = w.Wait()
		_ = server.Process.Kill()
		_ = server.Wait()
		got := make(chan string, 1)
		go func() { b, _ := io.ReadAll(stderr); got <- string(b) }()
		var out string
		select {
		case out = <-got:
		case <-time.After(10 * time.Second):
			t.Fatal("the watcher's stderr stays open")
		}
		said := strings.Contains(out, watchName+": the watcher of the server's cgroup is gone (killed, or out of its memory.max: `journalctl -k`), "+
			"so the processes the server starts stay in its cgroup; restart the unit to watch them again")
		if said != killWatcher {
			t.Errorf("watcher killed: %v; its log says %q", killWatcher, out)
		}
	}
}
