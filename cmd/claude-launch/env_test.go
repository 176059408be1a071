package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

// dumpEnv is a claude that writes the environment it was exec'd with,
// exactly as the kernel received it, to $ENV_OUT.
const dumpEnv = "#!/bin/sh\ncat /proc/$$/environ > \"$ENV_OUT\"\n"

// TestUntouchedEnvironment: with no setup token, claude's environment is
// byte for byte the one it would have had, plus only the recursion marker.
func TestUntouchedEnvironment(t *testing.T) {
	dir := t.TempDir()
	claude := filepath.Join(dir, "claude")
	if err := os.WriteFile(claude, []byte(dumpEnv), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "env.out")
	home := filepath.Join(dir, "home")
	base := []string{
		"HOME=" + home, "PATH=/usr/bin:/bin", "ENV_OUT=" + out,
		"CLAUDE_LAUNCH_CLAUDE=" + claude,
		"ODD=a=b=c", "EMPTY=", "SPACES=  x  y ", "UNICODE=héllo", "NEWLINE=a\nb",
		"CLAUDE_CODE_OAUTH_TOKEN=", // inherited, empty: left alone
		"TERM=xterm-256color", "ANTHROPIC_MODEL=x",
	}
	for name, extra := range map[string][]string{
		"nothing configured":                     nil,
		"vault token, no answer yet, vault down": {"VAULT_TOKEN=t", "VAULT_ADDR=http://127.0.0.1:1"},
		"kill switch":                            {"CLAUDE_LAUNCH_DISABLE=1"},
	} {
		t.Run(name, func(t *testing.T) {
			env := append(slices.Clone(base), extra...)
			cmd := exec.Command(filepath.Join(binDir, "claude-launch"))
			cmd.Env = env
			cmd.Dir = dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v: %s", err, stderr.String())
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Join(append(env, "CLAUDE_LAUNCH_DEPTH=1"), "\x00") + "\x00"
			if string(got) != want {
				t.Errorf("environment differs\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestRealClaudeSeesTheSame: without a token, the real claude reports
// through the launcher exactly what it reports alone.
func TestRealClaudeSeesTheSame(t *testing.T) {
	claude := testenv.Claude(t)
	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=/usr/bin:/bin", "CLAUDE_LAUNCH_CLAUDE=" + claude}
	run := func(name string, args ...string) (string, int) {
		cmd := exec.Command(name, args...)
		cmd.Env, cmd.Dir = env, home
		out, _ := cmd.Output()
		return string(out), cmd.ProcessState.ExitCode()
	}
	direct, dcode := run(claude, "auth", "status", "--json")
	via, vcode := run(filepath.Join(binDir, "claude-launch"), "auth", "status", "--json")
	if direct != via || dcode != vcode {
		t.Errorf("direct (exit %d):\n%s\nthrough claude-launch (exit %d):\n%s", dcode, direct, vcode, via)
	}
	if !strings.Contains(via, `"authMethod": "none"`) {
		t.Errorf("unexpected status: %s", via)
	}
}
