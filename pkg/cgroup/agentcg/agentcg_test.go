package agentcg

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

// TestJoinOnlyFromTheServerLeaf: a process that is not in the server's
// leaf (this test, or a claude an agent started) stays where it is and
// touches nothing; a path that is not an agents directory of the cgroup2
// filesystem, or no limit, is an error that touches nothing either.
// Joining for real needs a delegated cgroup v2 subtree with the memory
// controller: cmd/t3-serve-launch's TestCgroupV2Guest.
func TestJoinOnlyFromTheServerLeaf(t *testing.T) {
	// A plain directory laid out as the server's: refused, left alone.
	plain := filepath.Join(t.TempDir(), AgentsDir)
	if err := os.MkdirAll(filepath.Join(plain, AgentPrefix+"1234"), 0o755); err != nil {
		t.Fatal(err)
	}
	joined, err := Join(plain, Limits{Max: 64 << 20})
	if joined || err == nil || !strings.Contains(err.Error(), "not a directory of the cgroup v2 filesystem") {
		t.Errorf("Join on a plain directory = %v, %v; want an error", joined, err)
	}
	if entries, _ := os.ReadDir(plain); len(entries) != 1 {
		t.Errorf("Join on a plain directory changed it: %v", entries)
	}
	for _, c := range []struct {
		dir string
		max uint64
	}{{filepath.Dir(plain), 64 << 20}, {plain, 0}, {"", 1}} {
		if _, err := Join(c.dir, Limits{Max: c.max}); err == nil {
			t.Errorf("Join(%q, %d) accepted", c.dir, c.max)
		}
	}

	// On the cgroup2 filesystem, from outside the server's leaf: stays.
	root := cgroup2Mount(t)
	dir, err := os.MkdirTemp(root, "agentcg-test-")
	if err != nil {
		testenv.Missing(t, "a cgroup2 directory this test may write ("+err.Error()+")", "run the tests as root")
	}
	defer os.Remove(dir)
	agents := filepath.Join(dir, AgentsDir)
	if err := os.Mkdir(agents, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(agents)
	joined, err = Join(agents, Limits{Max: 64 << 20})
	if joined || err != nil {
		t.Errorf("Join outside a server leaf = %v, %v; want false, nil", joined, err)
	}
	if entries, _ := os.ReadDir(agents); len(entries) != 0 && !hasOnlyInterfaceFiles(entries) {
		t.Errorf("Join outside a server leaf created %v", entries)
	}
}

// cgroup2Mount is where the cgroup2 filesystem is mounted, or skips t.
func cgroup2Mount(t *testing.T) string {
	b, _ := os.ReadFile("/proc/mounts")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 2 && f[2] == "cgroup2" {
			return f[1]
		}
	}
	testenv.Missing(t, "a cgroup2 mount", "mount cgroup2 (this test reads /proc/mounts)")
	return ""
}

// hasOnlyInterfaceFiles: a cgroup directory holds the kernel's files
// (cgroup.procs, memory.max …), never a child cgroup Join made.
func hasOnlyInterfaceFiles(entries []os.DirEntry) bool {
	for _, e := range entries {
		if e.IsDir() {
			return false
		}
	}
	return true
}
