package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/testenv"
)

// TestClaudeAgentsSettings runs scripts/claude-agents with real tmux: its
// panes get CLAUDE_LAUNCH_PANE_MEMORY_MAX as every Go program reads it,
// with the same refusals, said once by the script and first in each pane,
// which then runs the agent and says how it ended. (On cgroup v1 the agents
// run uncapped, said once; the cgroup v2 guest runs them capped,
// TestCgroupV2Guest.)
func TestClaudeAgentsSettings(t *testing.T) {
	tmux := testenv.Tool(t, "tmux", "apt-get install tmux")
	scripts, _ := filepath.Abs(filepath.Join("..", "..", "scripts"))
	stub := filepath.Join(t.TempDir(), "claude")
	if err := os.WriteFile(stub, []byte("#!/bin/sh\necho ran >> \"$STARTED\"\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		env  []string
		file os.FileMode // a config file of CLAUDE_LAUNCH_PANE_MEMORY_MAX=48M, with this mode
		want string      // in the refusal config.Load gives
	}{
		"past bytes":        {env: []string{"CLAUDE_LAUNCH_PANE_MEMORY_MAX=99999999999999999999G"}, want: "is not bytes"},
		"over 100%":         {env: []string{"CLAUDE_LAUNCH_PANE_MEMORY_MAX=150%"}, want: "is not a percentage"},
		"file others write": {file: 0o666, want: "its settings are ignored"},
	} {
		t.Run(name, func(t *testing.T) {
			home := t.TempDir()
			started := filepath.Join(home, "started")
			env := append(testenv.CoverEnv([]string{"HOME=" + home, "PATH=" + filepath.Dir(bin) + ":" + scripts + ":/usr/bin:/bin",
				"TMUX_TMPDIR=" + t.TempDir(), "TERM=xterm", "CLAUDE_LAUNCH_CLAUDE=" + stub, "STARTED=" + started}), tc.env...)
			if tc.file != 0 {
				cfg := filepath.Join(home, ".config", "claude-launch", "config")
				if err := os.MkdirAll(filepath.Dir(cfg), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(cfg, []byte("CLAUDE_LAUNCH_PANE_MEMORY_MAX=48M\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(cfg, tc.file); err != nil {
					t.Fatal(err)
				}
			}
			c, problems := config.Load(config.Input{Environ: env})
			if len(problems) != 1 || !strings.Contains(problems[0].Error(), tc.want) || c.PaneMemoryMax != config.DefaultPaneMemoryMax {
				t.Fatalf("config.Load: %d, %v", c.PaneMemoryMax, problems)
			}
			refusal := "WARN claude-agents: " + problems[0].Error()
			tmuxCmd := func(args ...string) string {
				cmd := exec.Command(tmux, args...)
				cmd.Env = env
				out, _ := cmd.CombinedOutput()
				return string(out)
			}
			t.Cleanup(func() { tmuxCmd("kill-server") })

			cmd := exec.Command(filepath.Join(scripts, "claude-agents"), "-d", "-n", "2", "-s", "s")
			cmd.Env = env
			b, err := cmd.CombinedOutput()
			out := string(b)
			if err != nil || strings.Count(out, refusal) != 1 || strings.Count(out, "the agents run without a memory cap of their own: ") > 1 {
				t.Errorf("claude-agents (%v) did not say the refusal %q once, or said more than once that the agents run uncapped:\n%s", err, refusal, out)
			}
			var panes []string
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				panes = []string{tmuxCmd("capture-pane", "-p", "-J", "-t", "s:agents.0"), tmuxCmd("capture-pane", "-p", "-J", "-t", "s:agents.1")}
				if strings.Count(panes[0]+panes[1], "exited with status 3") == 2 {
					break
				}
			}
			for i, p := range panes {
				if !strings.HasPrefix(p, refusal+"\n") || !strings.Contains(p, "\n[claude-agents] claude exited with status 3 at ") ||
					!strings.Contains(p, "; starting it again in 4s (Ctrl-C to stop this pane)") {
					t.Errorf("pane %d does not say the refusal first, then how its agent ended:\n%s", i, p)
				}
			}
		})
	}
}

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
