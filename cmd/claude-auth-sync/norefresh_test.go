package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/internal/testenv/offline"
)

// TestNothingOfOursRefreshes runs every command of this project, and what
// t3-serve-launch and claude-agents do before they start the server or an
// agent, with the real claude, on an expired stored login, against the
// offline token endpoint: not one token request, and the login file
// unchanged byte for byte. The agents themselves are stand-ins here: they
// are the user's, and refresh as claude does.
func TestNothingOfOursRefreshes(t *testing.T) {
	realClaude := testenv.Claude(t)
	tmux := testenv.Tool(t, "tmux", "apt-get install tmux")
	v, me, _ := testenv.StartUserVault(t)
	userToken, err := v.Token(testenv.UserWritePolicy(me))
	if err != nil {
		t.Fatal(err)
	}
	h := offline.New(t, offline.Options{})
	if err := h.Forward(strings.TrimPrefix(v.Addr, "http://")); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := testenv.BuildCommands(bin, "github.com/claude-launch/claude-launch/cmd/claude-launch",
		"github.com/claude-launch/claude-launch/cmd/claude-auth-sync", "github.com/claude-launch/claude-launch/cmd/t3-serve-launch"); err != nil {
		t.Fatal(err)
	}
	scripts, _ := filepath.Abs(filepath.Join("..", "..", "scripts"))
	home := t.TempDir()
	cfgDir := filepath.Join(home, ".claude")
	if err := h.WriteLogin(cfgDir, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	loginFile := filepath.Join(cfgDir, ".credentials.json")
	before, _ := os.ReadFile(loginFile)

	// A stand-in for what claude-agents and t3-serve-launch start: it
	// says it ran, and stays up as an agent or a server does.
	stub := filepath.Join(t.TempDir(), "stand-in")
	if err := os.WriteFile(stub, []byte("#!/bin/sh\necho \"$CLAUDE_CODE_OAUTH_TOKEN\" | cut -c1-12 >> \"$STARTED\"\nexec sleep 600\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	started := filepath.Join(home, "started")
	path := bin + ":" + scripts + ":" + filepath.Dir(realClaude) + ":/usr/bin:/bin"
	env := append(h.Env(home, path), "VAULT_ADDR="+v.Addr, "VAULT_TOKEN="+userToken, "STARTED="+started,
		"TMUX_TMPDIR="+t.TempDir(), "TERM=xterm")
	env = testenv.CoverEnv(env)
	run := func(stdin string, extra []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = append(append([]string{}, env...), extra...)
		cmd.Stdin = strings.NewReader(stdin)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := h.Run(cmd)
		t.Logf("$ %s %s (%v)\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
		if n := h.Count(offline.TokenPath); n != 0 {
			t.Fatalf("%s %v made %d token requests: %+v", name, args, n, h.Requests())
		}
		return out.String()
	}
	waitStarted := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if b, _ := os.ReadFile(started); bytes.Count(b, []byte("\n")) >= n {
				return
			}
		}
		t.Fatalf("the stand-in did not start %d times", n)
	}

	sync := filepath.Join(bin, "claude-auth-sync")
	run("", nil, sync, "--version")
	run("", nil, sync, "--help")
	run("", nil, sync, "sync")
	if out := run("", nil, sync, "status"); !strings.Contains(out, "not asked for its login") {
		t.Errorf("status on a stored login does not say it left claude alone:\n%s", out)
	}
	run("", nil, sync, "status", "--json")
	run("", nil, filepath.Join(bin, "claude-launch"), "--version")
	run("", []string{"T3_SERVE_LAUNCH_SERVER=" + stub}, filepath.Join(bin, "t3-serve-launch"), "--allow-uncapped", "--version")
	srv := exec.Command(filepath.Join(bin, "t3-serve-launch"), "--allow-uncapped")
	srv.Env = append(append([]string{}, env...), "T3_SERVE_LAUNCH_SERVER="+stub)
	if err := h.Start(srv); err != nil {
		t.Fatal(err)
	}
	waitStarted(1)
	_ = srv.Process.Kill()
	_ = srv.Wait()
	t.Cleanup(func() {
		kill := exec.Command(tmux, "kill-server")
		kill.Env = env
		_ = h.Run(kill)
	})
	run("", []string{"CLAUDE_LAUNCH_CLAUDE=" + stub}, filepath.Join(scripts, "claude-agents"), "-d", "-n", "2")
	waitStarted(3)
	run("", nil, tmux, "kill-server")

	// Opted in: status asks claude, through claude-launch, with the setup
	// token, and claude answers that it uses it.
	run(h.SetupToken()+"\n", nil, sync, "enable")
	if out := run("", nil, sync, "status"); !strings.Contains(out, "through claude-launch it uses oauth_token") {
		t.Errorf("status with the setup token did not get claude's word for it:\n%s", out)
	}
	run(h.SetupToken()+"\n", nil, sync, "rotate")
	run("", nil, sync, "status", "--json")
	run("", nil, sync, "sync")
	run("", nil, sync, "disable")
	run("", nil, sync, "status")
	run("", nil, sync, "sync")

	if after, _ := os.ReadFile(loginFile); !bytes.Equal(before, after) {
		t.Errorf("the stored login changed:\n%s\n%s", before, after)
	}
}
