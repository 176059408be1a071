package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

// TestAgentSDKGuest is T3 Code's spawn path on cgroup v2 (scripts/vm/sdk-test.sh
// says what runs there): the stand-in server on the real Agent SDK
// (testdata/sdk-server.mjs), under t3-serve-launch in the production unit,
// starts the real claude, which asks a local Messages API.
//
//   - binaryPath = claude-launch: every session's claude calls the API with
//     the setup token, from an agent cgroup of its own
//     (agents/agent-PID); the session the server ends leaves no cgroup
//     behind, nor does any other.
//   - binaryPath at its default: claude runs from PATH, not through
//     claude-launch; each is still bounded, in a cgroup of its own the
//     watcher gave it (agents/proc-PID), and the start-up log says that
//     the agents do not pass through claude-launch.
func TestAgentSDKGuest(t *testing.T) {
	if testing.Short() {
		t.Skip("the qemu guest runs the real claude six times; not in -short")
	}
	realClaude, err := filepath.EvalSymlinks(testenv.Claude(t))
	if err != nil {
		t.Fatal(err)
	}
	sdk := testenv.AgentSDK(t)
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "node", "apt-get install nodejs")
	}
	if node, err = filepath.EvalSymlinks(node); err != nil {
		t.Fatal(err)
	}
	g := newGuest(t, "../../scripts/vm/sdk-test.sh")
	g.put("usr/local/bin/node", node, 0o755)
	// The SDK and what it imports, without the claude it bundles: the
	// agents run the claude that claude-launch finds.
	g.putTree("usr/local/lib/node_modules", filepath.Dir(filepath.Dir(sdk)), "claude-agent-sdk-linux-x64", "claude-agent-sdk-linux-x64-musl")
	g.put("usr/local/lib/claude/claude", realClaude, 0o755)
	g.put("usr/local/lib/t3sdk/sdk-server.mjs", "testdata/sdk-server.mjs", 0o644)
	if _, err := os.Stat(filepath.Join(g.overlay, "usr/local/lib/node_modules/@anthropic-ai/claude-agent-sdk/sdk.mjs")); err != nil {
		t.Fatal(err)
	}
	// claude is a native build that needs a CPU newer than qemu's default
	// model (SIGILL on qemu64): the emulator's full set.
	log, got := g.boot("3072", 6*time.Minute, "-cpu", "max")
	defer func() {
		if t.Failed() {
			t.Logf("serial log:\n%s", log)
		}
	}()

	for _, v := range []string{"binaryPath", "default"} {
		sessions := 0
		for _, m := range regexp.MustCompile(`\[sdk-`+v+`\] (\{"session".*\})\r?\n`).FindAllStringSubmatch(log, -1) {
			var s map[string]any
			if err := json.Unmarshal([]byte(m[1]), &s); err != nil {
				t.Fatalf("%s: %v: %s", v, err, m[1])
			}
			sessions++
			if s["result"] != "success" || s["error"] != nil || s["session"] == "ended" && s["aborted"] != true {
				t.Errorf("%s: session %v", v, s)
			}
		}
		if sessions != 3 {
			t.Errorf("%s: %d sessions reported, want 3", v, sessions)
		}
		calls := 0
		for i := 1; got[v+".api."+strconv.Itoa(i)+".bearer"] != ""; i++ {
			calls++
			cg := got[v+".api."+strconv.Itoa(i)+".cgroup"]
			if b := got[v+".api."+strconv.Itoa(i)+".bearer"]; b != "setup" {
				t.Errorf("%s: API call %d with %s, not the setup token", v, i, b)
			}
			want := "agents/agent-"
			if v == "default" {
				want = "agents/proc-" // bounded, but not an agent: not through claude-launch
			}
			if !strings.HasPrefix(cg, want) {
				t.Errorf("%s: API call %d from cgroup %q, want %s…", v, i, cg, want)
			}
		}
		if calls < 3 {
			t.Errorf("%s: %d API calls, want one per session at least", v, calls)
		}
		if got[v+".cgroups_left"] != "" {
			t.Errorf("%s: cgroups left after every session ended: %s", v, got[v+".cgroups_left"])
		}
		if got[v+".ActiveState"] != "active" {
			t.Errorf("%s: the unit is %q", v, got[v+".ActiveState"])
		}
		t.Logf("%s: %d sessions, %d API calls in %s s", v, sessions, calls, got[v+".seconds"])
	}
	if !strings.Contains(log, "[sdk-binaryPath] INFO t3-serve-launch: T3 Code's agents start through claude-launch") {
		t.Error("the start-up log does not say that the agents start through claude-launch")
	}
	if !strings.Contains(log, `[sdk-default] WARN t3-serve-launch: T3 Code starts claude as "claude" from the PATH`) {
		t.Error("the start-up log does not say that the agents bypass claude-launch")
	}
	if strings.Contains(log, "sk-ant-oat01-guest-") {
		t.Error("the setup token appears in the guest's log")
	}
}
