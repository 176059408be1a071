package main

import (
	"strings"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/agents"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/kills"
)

// TestStatusKills: status shows the OOM kills of the last day from the
// record (kind, command, cap, when), not older ones, and tells the
// server's other processes from agents.
func TestStatusKills(t *testing.T) {
	state := t.TempDir()
	for _, k := range []kills.Kill{
		{Time: time.Now().Add(-30 * time.Hour), Kind: kills.Agent, Comm: "claude", Cgroup: "/cg/agents/agent-1", Max: 24 << 20},
		{Time: time.Now().Add(-2 * time.Hour), Kind: kills.Process, Comm: "node", Cgroup: "/cg/agents/proc-4300", Max: 6 << 30},
		{Time: time.Now().Add(-time.Hour), Kind: kills.Pane, Comm: "claude", Cgroup: "/cg/claude-agents-pane-2.scope", Max: 8 << 30},
	} {
		if err := kills.Record(state, "", k); err != nil {
			t.Fatal(err)
		}
	}
	st := Status{Problems: []string{}, Warnings: []string{}}
	st.judgeAgents(&config.Config{StateDir: state})
	st.Agents = []agents.Agent{{PID: 10, Started: time.Now()}, {PID: 11, ServerProcess: true}, {PID: 12, ServerProcess: true}}
	var b strings.Builder
	printStatus(&b, st)
	for _, want := range []string{
		"running agents   1\n", "server processes pid 11, 12: started by T3 Code's server, not agents",
		"OOM kills, 1 day 2\n", "2 h ago: process node, cap 6G (proc-4300)", "1 h ago: pane claude, cap 8G (claude-agents-pane-2.scope)",
		"warning: 2 OOM kill(s) at a cap in the last day",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "agent-1") {
		t.Errorf("status shows a kill older than a day:\n%s", b.String())
	}
}
