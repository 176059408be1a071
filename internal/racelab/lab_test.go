package racelab

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the tables of docs/race-lab.md from docs/race-lab/report.json")

// TestShortLab runs a short lab (one seed, 8 lifetimes of 0.5 s, every
// case without the guard) through the real binaries, and asserts the
// direction of the result: agents on one shared rotating login without a
// lock are logged out at least once; agents started through claude-launch
// with a setup token never refresh, are never logged out, and no call of
// theirs fails. With the real claude, in the offline harness, the same
// for eight real agents with the refresher killed after the rotation:
// claude's own lock in force, the shared login is lost; with a setup
// token nothing refreshes and every agent but the killed one runs on.
func TestShortLab(t *testing.T) {
	if testing.Short() {
		t.Skip("the short lab takes about 30 s; not in -short")
	}
	dir := t.TempDir()
	if err := testenv.BuildCommands(dir, "github.com/claude-launch/claude-launch/cmd/claude-launch", "github.com/claude-launch/claude-launch/internal/racelab/cmd/race-lab"); err != nil {
		t.Fatal(err)
	}
	args := []string{"-quick", "-lifetime", "500ms", "-launcher", filepath.Join(dir, "claude-launch"), "-out", filepath.Join(dir, "out")}
	claude := testenv.ClaudePath()
	if _, err := os.Stat(claude); err == nil {
		args = append(args, "-claude", claude)
	}
	cmd := exec.Command(filepath.Join(dir, "race-lab"), args...)
	cmd.Env = testenv.CoverEnv(os.Environ())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("race-lab: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	var rep struct {
		Cases  []Result          `json:"cases"`
		Checks map[string]string `json:"checks"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "out", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "logouts.svg")); err != nil {
		t.Error("no plot:", err)
	}
	shared, setup := 0, 0
	realShared, realSetup := 0, 0
	for _, r := range rep.Cases {
		switch {
		case r.Client == Real && r.Mode == SharedLogin:
			// The refresher killed after the rotation: the real claude's
			// lock does not save the others.
			realShared++
			if r.Logouts == 0 || r.BlankedWrites == 0 || r.LoginAfter != "Login: Expired — log in again" {
				t.Errorf("real claude, shared login, killed refresher: %d agents logged out, %d blanked writes, afterwards %q; want a logout, a blanked login",
					r.Logouts, r.BlankedWrites, r.LoginAfter)
			}
		case r.Client == Real:
			realSetup++
			// One agent is killed (the refresher's stand-in): its call
			// fails, nobody is logged out, nothing refreshes.
			if r.Refreshes != 0 || r.Logouts != 0 || r.BlankedWrites != 0 || r.FailedCalls > 1 || r.Calls == 0 {
				t.Errorf("real claude, setup token, one agent killed: %d refreshes, %d logouts, %d blanked writes, %d failed of %d calls; want none but the killed agent's call",
					r.Refreshes, r.Logouts, r.BlankedWrites, r.FailedCalls, r.Calls)
			}
		case r.Mode == SharedLogin && !r.Lock:
			shared += r.Logouts
			if r.Refreshes == 0 {
				t.Errorf("%+v: a shared login that never refreshed shows nothing", r)
			}
		case r.Mode == SetupToken:
			setup++
			if r.Refreshes != 0 || r.Logouts != 0 || r.FailedCalls != 0 || r.BlankedWrites != 0 || r.Calls == 0 || r.Server.Refreshes != 0 {
				t.Errorf("setup token, %s, lock %v: %d refreshes, %d logouts, %d failed of %d calls, %d blanked writes; want no refresh, no logout, no failure",
					r.Policy, r.Lock, r.Refreshes, r.Logouts, r.FailedCalls, r.Calls, r.BlankedWrites)
			}
		}
	}
	if shared == 0 {
		t.Error("shared login without a lock: no logout in either policy")
	}
	if setup != 4 {
		t.Errorf("%d setup-token cases, want 4", setup)
	}
	if _, err := os.Stat(claude); err != nil {
		testenv.Missing(t, "the real claude", "run `make claude` (scripts/install-claude.sh)")
	}
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root, for the real claude's runs in private namespaces", "run the tests as root")
	}
	if realShared != 1 || realSetup != 1 {
		t.Errorf("%d and %d real-claude runs (shared login, setup token), want 1 and 1", realShared, realSetup)
	}
	for k, want := range map[string]string{
		"worst case's file after its first logout, claude auth status --text":                   "Login: Expired — log in again",
		"setup-token agents' login through claude-launch, claude auth status --json authMethod": "oauth_token",
	} {
		if rep.Checks[k] != want {
			t.Errorf("%s: %q, want %q", k, rep.Checks[k], want)
		}
	}
}

// TestRaceLabDoc: docs/race-lab.md's tables are the ones the lab printed
// for the report kept in docs/race-lab (make race-lab-docs).
func TestRaceLabDoc(t *testing.T) {
	b, err := os.ReadFile("../../docs/race-lab/report.json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Cases []Result `json:"cases"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	testenv.CheckDocSection(t, "docs/race-lab.md", "RACE LAB TABLE", "\n"+Tables(rep.Cases), *update)
}
