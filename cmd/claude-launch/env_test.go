package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

// dumpEnv is a claude that writes the environment it was exec'd with,
// exactly as the kernel received it, to $ENV_OUT.
const dumpEnv = "#!/bin/sh\ncat /proc/$$/environ > \"$ENV_OUT\"\n"

// TestUntouchedEnvironment: with no setup token, claude's environment is
// byte for byte the one it would have had, duplicates and order included,
// plus only the recursion marker. The launcher is started with
// os.StartProcess: os/exec would drop the duplicates before it saw them.
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
		"TERM=xterm-256color", "ANTHROPIC_MODEL=x", "DUP=first", "ODD=again", "DUP=second",
	}
	base = testenv.CoverEnv(base)
	for name, extra := range map[string][]string{
		"nothing configured":                     nil,
		"vault token, no answer yet, vault down": {"VAULT_TOKEN=t", "VAULT_ADDR=http://127.0.0.1:1"},
		"kill switch":                            {"CLAUDE_LAUNCH_DISABLE=1"},
	} {
		t.Run(name, func(t *testing.T) {
			env := append(slices.Clone(base), extra...)
			errFile := filepath.Join(dir, "stderr")
			stderr, err := os.Create(errFile)
			if err != nil {
				t.Fatal(err)
			}
			p, err := os.StartProcess(filepath.Join(binDir, "claude-launch"), []string{"claude-launch"}, &os.ProcAttr{Dir: dir, Env: env, Files: []*os.File{nil, nil, stderr}})
			if err != nil {
				t.Fatal(err)
			}
			st, err := p.Wait()
			stderr.Close()
			if msg, _ := os.ReadFile(errFile); err != nil || !st.Success() {
				t.Fatalf("%v %v: %s", err, st, msg)
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

// sigIgn is a claude that prints the mask of signals it ignores.
const sigIgn = "#!/bin/sh\nawk '/^SigIgn/{print $2}' /proc/$$/status\n"

// TestIgnoredSignals: exactly what differs from bash's exec for signals the
// caller ignored. Directly, claude inherits them all. Through the launcher
// only SIGHUP and SIGINT stay ignored (so nohup works), with 32 and 33,
// which glibc keeps for itself and Go leaves alone: the Go runtime installs
// its own handler for the others, which exec resets, and no Go program can
// read back the disposition it started with. Masks are compared with what
// the caller passed, which may already ignore something (make does).
func TestIgnoredSignals(t *testing.T) {
	dir := t.TempDir()
	claude := filepath.Join(dir, "claude")
	if err := os.WriteFile(claude, []byte(sigIgn), 0o755); err != nil {
		t.Fatal(err)
	}
	mask := func(program string) uint64 {
		t.Helper()
		cmd := exec.Command("sh", "-c", `trap "" HUP INT QUIT USR1 PIPE TERM; exec "$0"`, program)
		cmd.Env = []string{"HOME=" + dir, "PATH=/usr/bin:/bin", "CLAUDE_LAUNCH_CLAUDE=" + claude}
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		m, err := strconv.ParseUint(strings.TrimSpace(string(out)), 16, 64)
		if err != nil {
			t.Fatalf("%q: %v", out, err)
		}
		return m
	}
	bit := func(sigs ...syscall.Signal) (m uint64) {
		for _, s := range sigs {
			m |= 1 << (s - 1)
		}
		return m
	}
	direct := mask(claude)
	if want := bit(syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGPIPE, syscall.SIGTERM); direct&want != want {
		t.Fatalf("directly: mask %#x lacks %#x", direct, want)
	}
	kept := bit(syscall.SIGHUP, syscall.SIGINT, 32, 33)
	if through := mask(filepath.Join(binDir, "claude-launch")); through != direct&kept {
		t.Errorf("through the launcher: mask %#x, want %#x (what the caller ignored, of HUP, INT, 32 and 33)", through, direct&kept)
	}
}
