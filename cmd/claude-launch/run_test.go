package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/launch"
	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// recordExec stands in for exec: it records what would have been run.
type recordExec struct {
	path      string
	argv, env []string
	calls     int
}

func (r *recordExec) exec(path string, argv, env []string) error {
	r.path, r.argv, r.env = path, argv, env
	r.calls++
	return nil
}

// fastPathWorld is a home with a good env file and a claude to exec.
func fastPathWorld(t testing.TB) []string {
	home := t.TempDir()
	tok, _ := token.NewSecret(testToken)
	if err := store.WriteEnvFile(config.DefaultEnvFile(func(k string) string { return map[string]string{"HOME": home}[k] }), tok); err != nil {
		t.Fatal(err)
	}
	claude := filepath.Join(home, "claude")
	if err := os.WriteFile(claude, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{"HOME=" + home, "PATH=/usr/bin:/bin", config.EnvClaude + "=" + claude, "TERM=xterm"}
}

// TestRunFastPath runs a whole launch in process through the exec seam.
func TestRunFastPath(t *testing.T) {
	environ := fastPathWorld(t)
	var r recordExec
	if code := run([]string{"-p", "hi"}, environ, os.Stderr, r.exec); code != launch.ExitOK || r.calls != 1 {
		t.Fatalf("run = %d after %d execs", code, r.calls)
	}
	if r.argv[0] != r.path || r.argv[1] != "-p" || r.argv[2] != "hi" {
		t.Errorf("argv = %q", r.argv)
	}
	if got := r.env[len(r.env)-1]; got != token.EnvVar+"="+testToken {
		t.Error("the token is not the last entry of the child's environment")
	}
}

// TestFastPathAllocations keeps the per-launch path lean: every allocation
// of a new size class costs the heap a fresh span, and page faults are most
// of what a launch costs over Go's own start (docs/startup.md). The
// benchmark measures time; this fails at once when a change allocates on the
// fast path without need.
func TestFastPathAllocations(t *testing.T) {
	environ := fastPathWorld(t)
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	var r recordExec
	n := testing.AllocsPerRun(50, func() { run(nil, environ, null, r.exec) })
	t.Logf("%.0f allocations per launch", n)
	if limit := 24.0 + raceAllocs; n > limit {
		t.Errorf("%.0f allocations per launch on the fast path, more than %.0f", n, limit)
	}
}
