package agentcg

import (
	"os"
	"path/filepath"
	"testing"
)

// TestJoinOnlyFromTheServerLeaf: a process that is not in the server's
// leaf (this test, or a claude an agent started) stays where it is and
// touches nothing; a path that is not an agents directory, or no limit,
// is an error. Joining for real needs a delegated cgroup v2 subtree with
// the memory controller: cmd/t3-serve-launch's TestCgroupV2Guest.
func TestJoinOnlyFromTheServerLeaf(t *testing.T) {
	dir := filepath.Join(t.TempDir(), AgentsDir)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	joined, err := Join(dir, Limits{Max: 64 << 20})
	if joined || err != nil {
		t.Errorf("Join outside a server leaf = %v, %v; want false, nil", joined, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("Join outside a server leaf created %v", entries)
	}
	for _, c := range []struct {
		dir string
		max uint64
	}{{filepath.Dir(dir), 64 << 20}, {dir, 0}, {"", 1}} {
		if _, err := Join(c.dir, Limits{Max: c.max}); err == nil {
			t.Errorf("Join(%q, %d) accepted", c.dir, c.max)
		}
	}
}
