package main

import (
	"bytes"
	"context"
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
//     started through claude-launch, in a cgroup of its own; a runaway
//     that grows a megabyte at a time, and one that takes 200M at once,
//     die within seconds while the server's allocations stay fast, the
//     other agents live and the unit stays active; the same creep in the
//     server's cgroup (the contrast) is throttled, not killed, and stalls
//     the server.
//   - C2: no t3-serve: exit 127, no restart loop.
//   - D, E: a user (not root) by hand, through the user manager; and a user
//     manager without delegation, refused in one message.
func TestCgroupV2Guest(t *testing.T) {
	if testing.Short() {
		t.Skip("the qemu guest takes about a minute; not in -short")
	}
	image := filepath.Join(testenv.CacheDir(), "vm-bookworm-2")
	if _, err := os.Stat(filepath.Join(image, "ready")); err != nil {
		testenv.Missing(t, "the cgroup v2 guest image", "run `make vm-image` (scripts/vm/build-image.sh, root, about 2 minutes)")
	}
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		testenv.Missing(t, "qemu-system-x86_64", "run `make vm-image`, which installs it")
	}
	cpio, err := exec.LookPath("cpio")
	if err != nil {
		testenv.Missing(t, "cpio", "apt-get install cpio")
	}

	overlay := t.TempDir()
	put := func(dst, src string, mode os.FileMode) {
		t.Helper()
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(overlay, dst)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
	}
	// Static builds: the guest has none of this machine's libraries.
	bins := t.TempDir()
	for _, pkg := range []string{".", "../claude-launch", "../../internal/cmd/t3sim"} {
		build := exec.Command("go", "build", "-o", bins, pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", pkg, err, out)
		}
	}
	for _, name := range []string{"t3-serve-launch", "claude-launch", "t3sim"} {
		put("usr/local/bin/"+name, filepath.Join(bins, name), 0o755)
	}
	put("usr/local/bin/fake-t3-serve", "../../scripts/vm/fake-t3-serve.sh", 0o755)
	put("usr/local/bin/t3test", "../../scripts/vm/guest-test.sh", 0o755)
	put("etc/systemd/system/t3test.service", "../../scripts/vm/t3test.service", 0o644)
	put("etc/systemd/system/t3-serve@.service", "../../scripts/systemd/t3-serve@.service", 0o644)
	if err := os.MkdirAll(filepath.Join(overlay, "etc/systemd/system/multi-user.target.wants"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/systemd/system/t3test.service", filepath.Join(overlay, "etc/systemd/system/multi-user.target.wants/t3test.service")); err != nil {
		t.Fatal(err)
	}

	// The initramfs: the cached root, then the overlay as a second archive
	// (the kernel unpacks concatenated archives in order).
	initrd := filepath.Join(t.TempDir(), "initrd.cpio")
	root, err := os.ReadFile(filepath.Join(image, "root.cpio"))
	if err != nil {
		t.Fatal(err)
	}
	pack := exec.Command("sh", "-c", `find . -print0 | "$0" --null -o -H newc --quiet`, cpio)
	pack.Dir = overlay
	over, err := pack.Output()
	if err != nil {
		t.Fatalf("cpio: %v", err)
	}
	if err := os.WriteFile(initrd, append(root, over...), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	vm := exec.CommandContext(ctx, qemu, "-m", "1024", "-smp", "2", "-nographic", "-no-reboot", "-nic", "none",
		"-kernel", filepath.Join(image, "vmlinuz"), "-initrd", initrd,
		"-append", "console=ttyS0 rdinit=/sbin/init systemd.unified_cgroup_hierarchy=1 panic=-1 quiet systemd.show_status=0")
	var serial bytes.Buffer
	vm.Stdout, vm.Stderr = &serial, &serial
	start := time.Now()
	if err := vm.Run(); err != nil {
		t.Fatalf("qemu: %v\n%s", err, serial.String())
	}
	t.Logf("guest ran in %s", time.Since(start).Round(time.Second))
	log := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(serial.String(), "")
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`RESULT (\S+?)=(.*?)\r?\n`).FindAllStringSubmatch(log, -1) {
		got[m[1]] = m[2]
	}
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
		// C: the unit sets the caps; t3-serve-launch lays out the agents.
		"server.unit":              "t3-serve@root.service",
		"server.cgroup":            "server",
		"server.memory.low":        "16777216",
		"server.agents.memory.max": "83886080", // MemoryHigh less the server's memory.low
		"unit.memory.high":         "100663296",
		"unit.memory.max":          "134217728",
		"unit.memory.swap.max":     "0",
		"unit.OOMPolicy":           "continue",
		"unit.Delegate":            "yes",
		"unit.ActiveState":         "active", // after every scenario
		"unit.NRestarts":           "0",
		"server.alive":             "true",
		"creep.runaway":            "signal 9 (killed)",
		"creep.quiet_alive":        "2",
		"burst.runaway":            "signal 9 (killed)",
		"burst.quiet_alive":        "2",
		"shared.runaway.cgroup":    "server",
		"shared.runaway":           "alive after 10s",
		"shared.quiet_alive":       "2",
		// C2: no t3-serve.
		"missing.ExecMainStatus": "127",
		"missing.NRestarts":      "0",
		"missing.ActiveState":    "failed",
		// D: a user by hand, through the user manager.
		"user.server.unit":       "t3user.scope",
		"user.unit.memory.max":   "134217728",
		"user.creep.runaway":     "signal 9 (killed)",
		"user.creep.quiet_alive": "2",
		"user.server.alive":      "true",
		// E: no delegation.
		"nodelegation.manager": "failed",
		"nodelegation.exit":    "78",
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
	// What the user sees, with bounds far above this emulated guest's
	// figures (docs/t3-serve.md): the runaway is gone within seconds
	// (from its launch, claude-launch's start included), and no allocation
	// of the server takes anywhere near a second meanwhile.
	for _, s := range []string{"creep", "burst", "user.creep"} {
		if ms := atoi(t, got, s+".runaway.killed_after_ms"); ms > 10000 {
			t.Errorf("%s: the runaway lived %d ms", s, ms)
		}
		if ms := atoi(t, got, s+".server.max_alloc_ms"); ms > 500 {
			t.Errorf("%s: a 4 MB allocation of the server took %d ms while the runaway ran", s, ms)
		}
		if n := atoi(t, got, s+".runaway.oom_kill"); n < 1 {
			t.Errorf("%s: no OOM kill counted in the runaway's own cgroup", s)
		}
	}
	if n := atoi(t, got, "shared.unit.high_events"); n == 0 {
		t.Error("shared: the contrast never throttled the unit; the scenario shows nothing")
	}
	t.Logf("figures: creep killed after %s ms, server's worst allocation %s ms (quiet: %s ms); burst %s ms, %s ms; user creep %s ms, %s ms; shared (contrast): runaway %s, server's worst allocation %s ms, %s throttling events",
		got["creep.runaway.killed_after_ms"], got["creep.server.max_alloc_ms"], got["server.quiet_max_ms"],
		got["burst.runaway.killed_after_ms"], got["burst.server.max_alloc_ms"],
		got["user.creep.runaway.killed_after_ms"], got["user.creep.server.max_alloc_ms"],
		got["shared.runaway"], got["shared.server.max_alloc_ms"], got["shared.unit.high_events"])
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
