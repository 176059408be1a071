package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// TestStatusVerdictFirst: the first line is the verdict, and what to act
// on follows it at once.
func TestStatusVerdictFirst(t *testing.T) {
	var b strings.Builder
	printStatus(&b, Status{Problems: []string{"the env file is refused: fix it"}, Warnings: []string{"soon"}})
	lines := strings.Split(b.String(), "\n")
	if lines[0] != "NOT healthy" || lines[1] != "problem: the env file is refused: fix it" || lines[2] != "warning: soon" {
		t.Errorf("status begins:\n%s", strings.Join(lines[:3], "\n"))
	}
	b.Reset()
	printStatus(&b, Status{Healthy: true})
	if !strings.HasPrefix(b.String(), "healthy\n\n") {
		t.Errorf("healthy status begins %q", b.String()[:20])
	}
}

// TestStatusOneRemedy: an env file others can read is one problem with one
// remedy, not also a login to fix.
func TestStatusOneRemedy(t *testing.T) {
	dir := t.TempDir()
	if err := testenv.BuildCommands(dir, "github.com/claude-launch/claude-launch/cmd/claude-auth-sync"); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	claude := filepath.Join(dir, "claude")
	envFile := filepath.Join(home, ".config", "claude-auth-sync", "claude-oauth.env")
	if err := os.WriteFile(claude, []byte("#!/bin/sh\necho '2.1.300 (Claude Code)'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(envFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(envFile, []byte(token.EnvVar+"="+token.Prefix+"TESTtokenVALUE_status\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, _ := runIn(t, filepath.Join(dir, "claude-auth-sync"), []string{"HOME=" + home, "CLAUDE_LAUNCH_CLAUDE=" + claude}, "status", "--json")
	var st Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%v\n%s%s", err, out, stderr)
	}
	if len(st.Problems) != 1 || !strings.Contains(st.Problems[0], "run `chmod 600 "+envFile+"`") {
		t.Errorf("problems, want the env file's alone: %q", st.Problems)
	}
}
