package kills

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRecord: each kill is a line in the state directory, read back by
// Since, and counted by kind and command in the metrics file.
func TestRecord(t *testing.T) {
	state, metrics := filepath.Join(t.TempDir(), "state"), filepath.Join(t.TempDir(), "claude-oom-kills-1.prom")
	old := time.Now().Add(-48 * time.Hour)
	for _, k := range []Kill{
		{Time: old, Kind: Agent, Comm: "claude", Cgroup: "/sys/fs/cgroup/t3/agents/agent-1", Max: 24 << 20},
		{Time: time.Now(), Kind: Process, Comm: "node", Cgroup: "/sys/fs/cgroup/t3/agents/proc-2", Max: 24 << 20},
		{Time: time.Now(), Kind: Process, Comm: "node", Cgroup: "/sys/fs/cgroup/t3/agents/proc-3", Max: 24 << 20},
	} {
		if err := Record(state, metrics, k); err != nil {
			t.Fatal(err)
		}
	}
	// As a pane's starter records it when systemd says Result=oom-kill.
	scope := "claude-agent-main-4242-3.scope"
	if err := Record(state, metrics, Kill{Time: time.Now(), Kind: Pane, Comm: "claude", Cgroup: scope, Max: 24 << 20}); err != nil {
		t.Fatal(err)
	}
	day, err := Since(state, time.Now().Add(-24*time.Hour))
	if err != nil || len(day) != 3 || day[0].Comm != "node" || day[2].Kind != Pane || day[2].Max != 24<<20 || day[2].Cgroup != scope {
		t.Fatalf("Since(a day ago) = %+v, %v; want the two processes' kills and the pane's", day, err)
	}
	if st, err := os.Stat(filepath.Join(state, File)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the record: %v, %v; want mode 0600", st, err)
	}
	b, err := os.ReadFile(metrics)
	if err != nil {
		t.Fatal(err)
	}
	uid := strconv.Itoa(os.Getuid())
	for _, want := range []string{
		`claude_oom_kills_total{comm="claude",kind="agent",uid="` + uid + `"} 1`,
		`claude_oom_kills_total{comm="node",kind="process",uid="` + uid + `"} 2`,
		`claude_oom_kills_total{comm="claude",kind="pane",uid="` + uid + `"} 1`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the metrics file lacks %s:\n%s", want, b)
		}
	}
	if none, err := Since(t.TempDir(), time.Time{}); err != nil || none != nil {
		t.Errorf("Since(no record) = %v, %v", none, err)
	}
}

func TestKindOf(t *testing.T) {
	if KindOf("/x/agents/proc-12") != Process || KindOf("/x/agents/agent-12") != Agent {
		t.Error("KindOf does not tell a process's cgroup from an agent's")
	}
	if MetricsFile("") != "" || MetricsFile("/var/lib/tf/claude-auth-alice.prom") != "/var/lib/tf/claude-oom-kills-"+strconv.Itoa(os.Getuid())+".prom" {
		t.Error("MetricsFile is not beside sync's")
	}
}

// TestRecordNeverBlocks: a named pipe where the record goes is refused, by
// status's reader and by the recorder, instead of hanging them.
func TestRecordNeverBlocks(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, File), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Since(dir, time.Time{}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Since over a FIFO: %v", err)
	}
	if err := Record(dir, "", Kill{Time: time.Now(), Kind: Agent}); err == nil {
		t.Error("Record over a FIFO succeeded")
	}
}
