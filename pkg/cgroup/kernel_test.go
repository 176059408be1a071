package cgroup

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

// TestRunawayChildDiesAloneV1 uses this machine's real cgroup v1 memory
// controller: a child cgroup of our own, capped at 64M, runs a "server"
// that starts a child allocating 200M. The kernel OOM-kills the child
// alone; the server keeps running. (cgroup v2 is covered by the qemu guest
// test of t3-serve-launch.)
func TestRunawayChildDiesAloneV1(t *testing.T) {
	h, err := DetectHierarchy()
	if err != nil || h.V1Memory == "" {
		t.Skip("no cgroup v1 memory controller here; TestCgroupV2Guest covers cgroup v2")
	}
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root", "run the tests as root to create a cgroup")
	}
	loc, err := Locate(0)
	if err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join(loc.V1Memory, fmt.Sprintf("claude-launch-oomtest-%d", os.Getpid()))
	dir := filepath.Join(h.V1Memory, rel)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.Remove(dir); err != nil {
			t.Errorf("remove test cgroup: %v", err)
		}
	})
	write := func(name, v string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("memory.limit_in_bytes", "67108864")
	if _, err := os.Stat(filepath.Join(dir, "memory.memsw.limit_in_bytes")); err == nil {
		write("memory.memsw.limit_in_bytes", "67108864") // no escape into swap
	}

	l, err := OwnLimits(h, Location{V1Memory: rel})
	if err != nil || l.Max != 64<<20 || l.Dir != dir {
		t.Fatalf("OwnLimits = %+v, %v", l, err)
	}

	server := `echo $$ > "$1/cgroup.procs"
dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null
echo "child=$?"
echo "server alive"`
	out, err := exec.Command("sh", "-c", server, "sh", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("server died: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "child=137") || !strings.Contains(string(out), "server alive") {
		t.Errorf("want the child OOM-killed (137) and the server alive, got:\n%s", out)
	}
	oom, _ := os.ReadFile(filepath.Join(dir, "memory.oom_control"))
	if !strings.Contains(string(oom), "oom_kill 1") {
		t.Errorf("memory.oom_control does not count the one OOM kill:\n%s", oom)
	}
}
