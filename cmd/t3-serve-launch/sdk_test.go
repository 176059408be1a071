package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/internal/testenv/offline"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// TestAgentSDK runs a stand-in for T3 Code's server (testdata/sdk-server.mjs)
// under t3-serve-launch: it starts agents as T3 Code does, through the real
// Claude Agent SDK from npm (query(), pathToClaudeCodeExecutable from T3
// Code's settings file), and the real claude answers, offline, from the
// harness's fakes. A spy between claude-launch and claude records what
// reaches claude, and execs it (same PID).
//
//   - binaryPath = claude-launch's absolute path: every agent passes through
//     claude-launch, the Messages API sees the setup token, the SDK's argv
//     and CLAUDE_CODE_ENTRYPOINT reach claude, and the session the server
//     ends (the SDK's SIGTERM to its child) leaves no claude behind;
//     t3-serve-launch's start-up log says the agents pass through.
//   - binaryPath left at its default: the SDK runs "claude" from PATH,
//     claude-launch never runs, and the start-up log says so, naming the
//     setting.
//
// This machine's cgroups are v1 (hybrid) and no systemd runs here, so the
// server starts with --allow-uncapped; the agents' cgroups are
// TestCgroupV2Guest's.
func TestAgentSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real claude six times; not in -short")
	}
	realClaude := testenv.Claude(t)
	sdk := testenv.AgentSDK(t)
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "node", "apt-get install nodejs")
	}
	h := offline.New(t, offline.Options{})
	launcher := filepath.Join(filepath.Dir(bin), "claude-launch")
	script, _ := filepath.Abs(filepath.Join("testdata", "sdk-server.mjs"))

	for _, tc := range []struct {
		name     string
		settings string // T3 Code's settings.json, "" for none
		through  bool
	}{
		{"binaryPath", `{"providers":{"claudeAgent":{"binaryPath":"` + launcher + `"}}}`, true},
		{"default", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			setup := h.SetupToken()
			sec, err := token.NewSecret(setup)
			if err != nil {
				t.Fatal(err)
			}
			if err := store.WriteEnvFile(filepath.Join(home, ".config", "claude-auth-sync", "claude-oauth.env"), sec); err != nil {
				t.Fatal(err)
			}
			writeT3Settings(t, home, tc.settings)
			// The spy: named claude, first in PATH, as a real claude
			// found by T3 Code's PATH would be; claude-launch runs it as
			// the real claude. It records, never the token's value.
			spyDir := t.TempDir()
			spyLog := filepath.Join(spyDir, "spy.log")
			spy := "#!/bin/sh\nprintf 'pid=%s entry=%s token=%s depth=%s argv=%s\\n' \"$$\" \"${CLAUDE_CODE_ENTRYPOINT-}\" \"${CLAUDE_CODE_OAUTH_TOKEN:+set}\" \"${CLAUDE_LAUNCH_DEPTH-}\" \"$*\" >>" + spyLog + "\nexec " + realClaude + " \"$@\"\n"
			if err := os.WriteFile(filepath.Join(spyDir, "claude"), []byte(spy), 0o755); err != nil {
				t.Fatal(err)
			}
			before := h.Count("/v1/messages")
			cmd := exec.Command(bin, "--allow-uncapped", "--log-level", "info", "--server", node, "--", script)
			cmd.Env = append(h.Env(home, spyDir+":"+filepath.Dir(node)+":/usr/bin:/bin"),
				"AGENT_SDK="+sdk, "CLAUDE_LAUNCH_CLAUDE="+filepath.Join(spyDir, "claude"))
			cmd.Env = testenv.CoverEnv(cmd.Env)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := h.Start(cmd); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(3 * time.Minute):
				_ = cmd.Process.Kill()
				err = <-done
			}
			spyOut, _ := os.ReadFile(spyLog)
			t.Logf("server: %v\nstdout:\n%s\nstderr:\n%s\nspy:\n%s", err, stdout.String(), stderr.String(), spyOut)
			if err != nil {
				t.Fatalf("the stand-in server failed: %v", err)
			}
			for _, out := range []string{stdout.String(), stderr.String(), string(spyOut)} {
				if strings.Contains(out, setup) {
					t.Fatal("the setup token appears in an output")
				}
			}

			sessions := map[string]map[string]any{}
			sc := bufio.NewScanner(&stdout)
			for sc.Scan() {
				var m map[string]any
				if json.Unmarshal(sc.Bytes(), &m) == nil {
					sessions[m["session"].(string)] = m
				}
			}
			spied := strings.Split(strings.TrimSpace(string(spyOut)), "\n")
			if len(sessions) != 3 || len(spied) < 3 {
				t.Fatalf("%d sessions, %d claude runs; want 3 of each", len(sessions), len(spied))
			}
			for _, line := range spied {
				// The SDK's own arguments and variable reach claude.
				for _, w := range []string{"entry=sdk-ts", "--output-format stream-json", "--input-format stream-json", "--verbose"} {
					if !strings.Contains(line, w) {
						t.Errorf("claude ran without %q: %s", w, line)
					}
				}
				// t3-serve-launch gives the server depth 1; claude-launch
				// gives claude one more.
				if through := strings.Contains(line, "depth=2 "); through != tc.through {
					t.Errorf("claude through claude-launch: %v, want %v: %s", through, tc.through, line)
				}
			}
			if !tc.through {
				if !strings.Contains(stderr.String(), `T3 Code starts claude as "claude" from the PATH`) || !strings.Contains(stderr.String(), "setting=providers.claudeAgent.binaryPath") {
					t.Errorf("the start-up log does not say that T3 Code's agents bypass claude-launch:\n%s", stderr.String())
				}
				return
			}
			if !strings.Contains(stderr.String(), "T3 Code's agents start through claude-launch") {
				t.Errorf("the start-up log does not say that T3 Code's agents pass through claude-launch:\n%s", stderr.String())
			}
			for name, s := range sessions {
				if s["result"] != "success" || s["error"] != nil || name == "ended" && s["aborted"] != true {
					t.Errorf("session %s: %v", name, s)
				}
			}
			var bearers []string
			for _, r := range h.Requests()[before:] {
				if r.Path == "/v1/messages" {
					bearers = append(bearers, r.Bearer)
				}
			}
			if len(bearers) < 3 {
				t.Errorf("%d Messages API calls, want one per session at least", len(bearers))
			}
			for _, b := range bearers {
				if b != "setup" {
					t.Errorf("an agent called the API with %q, not the setup token: %v", b, bearers)
				}
			}
			// The session the server ended: its claude (the PID the spy
			// had, claude-launch's and claude's, exec'd) is gone.
			last := spied[len(spied)-1]
			pid, _ := strconv.Atoi(strings.TrimPrefix(strings.Fields(last)[0], "pid="))
			if pid <= 0 {
				t.Fatalf("no PID in %q", last)
			}
			if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
				t.Errorf("the ended session's claude (PID %d) is still there: %v", pid, err)
			}
		})
	}
}
