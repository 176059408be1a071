package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCgroupV2Guest runs t3-serve-launch on a pure cgroup v2 hierarchy, as
// real workstations have, under a real systemd 252 in a Debian guest under
// qemu (software emulation; about 1-2 minutes; scripts/vm/guest-test.sh
// says what runs there):
//
//   - A, B: from a shell, a capped scope of its own (memory.high,
//     memory.max, memory.swap.max=0, OOMPolicy=continue, Delegate=yes); a
//     one-call runaway is killed alone; with OOMPolicy=stop, the contrast,
//     the scope is stopped and the server with it.
//   - C: the unit in scripts/systemd (small caps by drop-in): each agent,
//     started through claude-launch, in a cgroup of its own; every other
//     child of the server in its bounded leaf that never throttles, the
//     watcher beside it. A runaway that grows a megabyte at a time, and
//     one that takes 200M at once, as an agent and as a child of the
//     server's own; a shell's child that runs away; three children growing
//     together: each dies within seconds while the server's allocations
//     stay fast, the other processes live, the unit is never throttled
//     and stays active.
//   - C1: the server itself grows: the kernel kills it, not its quiet
//     child, at its leaf's bound, and systemd restarts the unit once.
//   - C2: no t3-serve: exit 127, no restart loop.
//   - D, E: a user (not root) by hand, through the user manager; and a user
//     manager without delegation, refused in one message.
//   - F, G: scripts/claude-agents with real tmux: as a user with a user
//     manager, each pane's agent in a capped scope of its own, one pane's
//     runaway killed at its cap and started again while the others live;
//     as a user without one, said once, the agents run uncapped.
func TestCgroupV2Guest(t *testing.T) {
	if testing.Short() {
		t.Skip("the qemu guest takes about a minute; not in -short")
	}
	g := newGuest(t, "../../scripts/vm/guest-test.sh")
	g.put("usr/local/bin/fake-t3-serve", "../../scripts/vm/fake-t3-serve.sh", 0o755)
	g.put("usr/local/bin/claude-agents", "../../scripts/claude-agents", 0o755)
	log, got := g.boot("1024", 8*time.Minute)
	want := map[string]string{
		"cgroupfs": "cgroup2fs",
		// A: OOMPolicy=continue, from a shell.
		"t3v2-continue.scope.args":             "--port 1",
		"t3v2-continue.scope.leaf":             "server",
		"t3v2-continue.scope.cgroup":           "t3v2-continue.scope",
		"t3v2-continue.scope.memory.high":      "50331648",
		"t3v2-continue.scope.memory.max":       "67108864",
		"t3v2-continue.scope.memory.swap.max":  "0",
		"t3v2-continue.scope.memory.oom.group": "0",
		"t3v2-continue.scope.OOMPolicy":        "continue",
		"t3v2-continue.scope.Delegate":         "yes",
		"t3v2-continue.scope.child":            "137",
		"t3v2-continue.scope.server":           "alive",
		"t3v2-continue.scope.ActiveState":      "active",
		"continue.exit":                        "0",
		// B, the contrast: OOMPolicy=stop takes the server down with its
		// child (SIGTERM: exit 143), before it can report anything more.
		"t3v2-stop.scope.OOMPolicy": "stop",
		"t3v2-stop.scope.server":    "",
		"stop.exit":                 "143",
		// C: the unit sets the caps; t3-serve-launch lays out the agents,
		// the server's bounded leaf and the watcher's.
		"server.unit":              "t3-serve@root.service",
		"server.cgroup":            "server",
		"server.memory.low":        "16777216",
		"server.memory.max":        "67108864", // --server-memory-max
		"server.memory.high":       "max",      // it kills, never throttles
		"server.watch.memory.max":  "16777216",
		"server.watch.procs":       "2",         // the watcher and the sentinel that reports its death
		"server.agents.memory.max": "150994944", // MemoryHigh less the server's leaf and the watcher's
		"unit.memory.high":         "234881024",
		"unit.memory.max":          "268435456",
		"unit.memory.swap.max":     "0",
		"unit.OOMPolicy":           "continue",
		"unit.Delegate":            "yes",
		"unit.ActiveState":         "active", // after every scenario
		"unit.NRestarts":           "0",
		"server.alive":             "true",
		"server.cgroups_left":      "", // every ended agent's and process's cgroup removed
		"creep.runaway":            "signal 9 (killed)",
		"burst.runaway":            "signal 9 (killed)",
		"child-creep.runaway":      "signal 9 (killed)",
		"child-burst.runaway":      "signal 9 (killed)",
		"grandchild.runaway":       "exit 137", // the shell lives on, and reports its child's SIGKILL
		"together.runaway":         "signal 9 (killed)",
		"together.runaways":        "3",
		// C1: the server itself grows: the kernel kills it at its leaf's
		// bound, systemd restarts the unit once, and it serves again.
		"grow.restarted":        "true",
		"grow.unit.ActiveState": "active",
		"grow.unit.NRestarts":   "1",
		// C2: no t3-serve.
		"missing.ExecMainStatus": "127",
		"missing.NRestarts":      "0",
		"missing.ActiveState":    "failed",
		// D: a user by hand, through the user manager.
		"user.server.unit":       "t3user.scope",
		"user.unit.memory.max":   "268435456",
		"user.creep.runaway":     "signal 9 (killed)",
		"user.creep.quiet_alive": "3",
		"user.server.alive":      "true",
		// E: no delegation.
		"nodelegation.manager": "failed",
		"nodelegation.exit":    "78",
		// F: claude-agents, each pane's agent in a capped scope of its own
		// (48M from the config file): one runaway killed at its cap and
		// started again, the other panes' agents alive.
		"panes.exit":                   "0",
		"panes.killed_line":            "claude was killed at its memory cap (MemoryMax=48M), status 137",
		"panes.agents":                 "3",
		"panes.scopes":                 "3",
		"panes.scope.memory.max":       "50331648",
		"panes.scope.memory.swap.max":  "0",
		"panes.scope.memory.oom.group": "1",
		"panes.failed":                 "0",
		"panes.recorded":               "yes",
		"panes.metrics":                "1",
		"panes.status":                 "1",
		// G: no user manager: said once, the agents run uncapped.
		"uncapped.exit":   "0",
		"uncapped.said":   "1",
		"uncapped.agents": "2",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
	for _, k := range []string{"creep.runaway.cgroup", "burst.runaway.cgroup", "user.creep.runaway.cgroup"} {
		if !strings.HasPrefix(got[k], "agents/agent-") {
			t.Errorf("%s = %q: the runaway is not in an agent cgroup of its own", k, got[k])
		}
	}
	// A child that bursts may be seen after it took a quarter of the
	// server's leaf: then it stays there (cgroup.Watcher.Once).
	if k := "child-burst.runaway.cgroup"; got[k] != "server" && !strings.HasPrefix(got[k], "agents/proc-") {
		t.Errorf("%s = %q", k, got[k])
	}
	for _, k := range []string{"child-creep.runaway.cgroup", "grandchild.runaway.cgroup", "together.runaway.cgroup"} {
		if !strings.HasPrefix(got[k], "agents/proc-") {
			t.Errorf("%s = %q: the server's child is not in a cgroup of its own", k, got[k])
		}
	}
	// What the user sees, with bounds well above this emulated guest's
	// figures (docs/t3-serve.md): each runaway is gone within 5 s (from
	// its start, claude-launch's included), no allocation of the server
	// takes 200 ms meanwhile, the unit is never throttled, and the other
	// processes (two agents, one child of the server's) live.
	scenarios := []string{"creep", "burst", "child-creep", "child-burst", "grandchild", "together", "user.creep"}
	for _, s := range scenarios {
		if ms := atoi(t, got, s+".runaway.killed_after_ms"); ms > 5000 {
			t.Errorf("%s: the runaway lived %d ms", s, ms)
		}
		if ms := atoi(t, got, s+".server.max_alloc_ms"); ms >= 200 {
			t.Errorf("%s: a 4 MB allocation of the server took %d ms while the runaway ran", s, ms)
		}
		if n := atoi(t, got, s+".runaway.oom_kill"); n < 1 {
			t.Errorf("%s: no OOM kill counted in the unit while the runaway ran (memory.events)", s)
		}
		if n := atoi(t, got, s+".unit.high_events"); n != 0 {
			t.Errorf("%s: the unit was throttled %d times", s, n)
		}
		if got[s+".quiet_alive"] != "3" {
			t.Errorf("%s: %s of the 3 quiet processes lived", s, got[s+".quiet_alive"])
		}
	}
	if got["grow.killed_pid"] != got["grow.server_pid"] || got["grow.server_pid"] == "" {
		t.Errorf("grow: the kernel killed PID %q first, not the grown server %q", got["grow.killed_pid"], got["grow.server_pid"])
	}
	growMs := atoi(t, got, "grow.killed_at_ms") - atoi(t, got, "grow.began_ms")
	if growMs > 5000 {
		t.Errorf("grow: the server grew for %d ms before the kernel killed it", growMs)
	}
	var figures []string
	for _, s := range scenarios {
		figures = append(figures, fmt.Sprintf("%s: killed after %s ms, server's worst allocation %s ms", s, got[s+".runaway.killed_after_ms"], got[s+".server.max_alloc_ms"]))
	}
	if ms := atoi(t, got, "panes.killed_after_ms"); ms > 5000 {
		t.Errorf("claude-agents: the pane's runaway lived %d ms", ms)
	}
	t.Logf("figures (quiet server's worst allocation %s ms): %s; grow: the server killed after %d ms, unit %s; claude-agents: the pane's runaway killed after %s ms", got["server.quiet_max_ms"], strings.Join(figures, "; "), growMs, got["grow.unit.Result"], got["panes.killed_after_ms"])
	// The quiet minute: the unit's watcher, woken by the server's forks,
	// beside today's fixed 10 ms and the one without CAP_NET_ADMIN, one
	// boot, the same leaf (a benchmark: logged, not asserted).
	if got["quiet.watch-fixed_ready"] != "ready" || got["quiet.watch-poll_ready"] != "ready" {
		t.Errorf("quiet: the second watchers said %q, %q", got["quiet.watch-fixed_ready"], got["quiet.watch-poll_ready"])
	}
	if !strings.Contains(log, "the server's forks wake the watcher") {
		t.Error("the unit's watcher is not woken by the server's forks")
	}
	t.Logf("quiet minute, CPU ms: the watcher (forks) %s, today's fixed 10 ms %s, without CAP_NET_ADMIN (headroom) %s (leaf holding %s bytes)",
		got["quiet.watch_cpu_ms_per_min"], got["quiet.watch-fixed_cpu_ms_per_min"], got["quiet.watch-poll_cpu_ms_per_min"], got["quiet.leaf_current"])
	// Every kill of each kind is in the record and the metrics file.
	if atoi(t, got, "kills.agent") < 2 || atoi(t, got, "kills.process") < 4 || !strings.Contains(got["kills.metrics"], `kind="process"`) ||
		got["kills.status.agent"] != got["kills.agent"] || got["kills.status.process"] != got["kills.process"] {
		t.Errorf("kills recorded: %s agents, %s processes; metrics %q; status shows %s agents, %s processes", got["kills.agent"],
			got["kills.process"], got["kills.metrics"], got["kills.status.agent"], got["kills.status.process"])
	}
	for _, w := range []string{
		"no systemd user manager answers for you: /run/user/1001/systemd/private does not exist; `systemctl status user@1001.service`",
		"set it in a drop-in: `systemctl edit t3-serve@USER`",
	} {
		if !strings.Contains(log, w) {
			t.Errorf("the guest's log lacks %q", w)
		}
	}
	if !regexp.MustCompile(`Memory cgroup out of memory: Killed process \d+ \(dd\)`).MatchString(log) {
		t.Error("the kernel did not report an OOM kill of the one-call runaway child")
	}
	if t.Failed() {
		t.Logf("serial log:\n%s", log)
	}
}

func atoi(t *testing.T, got map[string]string, k string) int {
	t.Helper()
	n, err := strconv.Atoi(got[k])
	if err != nil {
		t.Errorf("%s = %q, not a number", k, got[k])
	}
	return n
}
