package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/internal/testenv/offline"
)

// TestGuardAgainstRealClaude: claude-auth-sync sync's guard on the files
// the real claude leaves, with the real claude carrying on after it.
//
//   - The race victim (the refresher killed after the endpoint rotated,
//     the next claude blanked the login): the guard restores the newest
//     healthy backup, whose refresh token was rotated away, so the real
//     claude's next refresh fails and blanks it again; the next sync says
//     that only a new login helps. The guard cannot mend a lost race.
//   - Damage that leaves the backup's refresh token current (a file
//     rewritten without its scopes, #85262): the guard restores it, and
//     the real claude carries on, refreshing with it.
func TestGuardAgainstRealClaude(t *testing.T) {
	realClaude := testenv.Claude(t)
	bin := t.TempDir()
	if err := testenv.BuildCommands(bin, "github.com/claude-launch/claude-launch/cmd/claude-auth-sync"); err != nil {
		t.Fatal(err)
	}
	var killNext atomic.Bool
	h := offline.New(t, offline.Options{Hook: func(at offline.Moment, pid int) bool {
		if at != offline.AfterRotation || !killNext.CompareAndSwap(true, false) {
			return false
		}
		return offline.Kill(pid) == nil
	}})
	home := t.TempDir()
	dir := filepath.Join(home, ".claude")
	file := filepath.Join(dir, ".credentials.json")
	env := testenv.CoverEnv(append(h.Env(home, "/usr/bin:/bin"), "CLAUDE_LAUNCH_CLAUDE="+realClaude))
	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := h.Run(cmd)
		t.Logf("$ %s %s (%v)\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
		return out.String(), err
	}
	sync := func() string {
		out, _ := run(filepath.Join(bin, "claude-auth-sync"), "sync")
		return out
	}
	content := func() string {
		b, _ := os.ReadFile(file)
		return string(b)
	}

	// The lost race.
	if err := h.WriteLogin(dir, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	sync() // backs the healthy (expired) login up
	killNext.Store(true)
	run(realClaude, "-p", "hi") // refresher killed after the rotation
	if _, err := run(realClaude, "-p", "hi"); err == nil || !strings.Contains(content(), `"refreshToken":""`) {
		t.Fatalf("no race victim: the next claude did not blank the login")
	}
	if out := sync(); !strings.Contains(out, "restored") {
		t.Fatalf("the guard did not restore the victim's file: %s", out)
	}
	if _, err := run(realClaude, "-p", "hi"); err == nil {
		t.Fatal("the real claude carried on with a backup whose refresh token was rotated away")
	}
	if out := sync(); !strings.Contains(out, "no backup is healthy: log in again") {
		t.Errorf("after the restored login was lost again, sync did not say a new login is needed: %s", out)
	}

	// Damage the guard can mend: a new login, refreshed by the real claude
	// (and backed up), then rewritten without its scopes.
	if err := h.WriteLogin(dir, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := run(realClaude, "-p", "hi"); err != nil {
		t.Fatal(err)
	}
	sync()
	good := content()
	damaged := regexp.MustCompile(`"scopes":\[[^]]*\]`).ReplaceAllString(good, `"scopes":[]`)
	if damaged == good {
		t.Fatalf("unexpected file shape: %s", good)
	}
	if err := os.WriteFile(file, []byte(damaged), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := sync(); !strings.Contains(out, "restored") {
		t.Fatalf("the guard did not restore the damaged file: %s", out)
	}
	if _, err := run(realClaude, "-p", "hi"); err != nil {
		t.Errorf("the real claude did not carry on after the restore: %v", err)
	}
	if n := h.Count(offline.TokenPath); n < 3 {
		t.Errorf("%d token requests", n)
	}
}
