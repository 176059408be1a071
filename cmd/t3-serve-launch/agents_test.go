package main

import (
	"os/exec"
	"testing"
)

// TestClaudeAgentsBadOption: a mistyped option is named, in one line, with
// what to do.
func TestClaudeAgentsBadOption(t *testing.T) {
	cmd := exec.Command("../../scripts/claude-agents", "-x")
	out, _ := cmd.CombinedOutput()
	want := "claude-agents: -x is not an option (-n PANES, -s SESSION, -d, -h); claude's own go after --: claude-agents -- -x\n"
	if cmd.ProcessState.ExitCode() != 2 || string(out) != want {
		t.Errorf("claude-agents -x: exit %d\n%s", cmd.ProcessState.ExitCode(), out)
	}
}
