package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

// TestCgroupV2Guest runs t3-serve-launch on a pure cgroup v2 hierarchy, as
// real workstations have, under a real systemd 252 in a Debian guest under
// qemu (software emulation; about 30-60 s): the scope gets memory.high,
// memory.max, memory.swap.max=0, memory.oom.group=0 and OOMPolicy=continue;
// the runaway child is killed alone while the server and the scope live on;
// with OOMPolicy=stop (the contrast that shows the test can fail) the scope
// is stopped and the server with it; and the unit file in scripts/systemd
// puts the caps in force itself.
func TestCgroupV2Guest(t *testing.T) {
	if testing.Short() {
		t.Skip("the qemu guest takes about a minute; not in -short")
	}
	image := filepath.Join(testenv.CacheDir(), "vm-bookworm-1")
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
	guestBin := filepath.Join(t.TempDir(), "t3-serve-launch")
	build := exec.Command("go", "build", "-o", guestBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	put("usr/local/bin/t3-serve-launch", guestBin, 0o755)
	put("usr/local/bin/t3-serve", "../../scripts/vm/fake-t3-serve.sh", 0o755)
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
		// A: OOMPolicy=continue.
		"t3v2-continue.scope.args":             "--port 1",
		"t3v2-continue.scope.cgroup":           "t3v2-continue.scope",
		"t3v2-continue.scope.memory.high":      "50331648",
		"t3v2-continue.scope.memory.max":       "67108864",
		"t3v2-continue.scope.memory.swap.max":  "0",
		"t3v2-continue.scope.memory.oom.group": "0",
		"t3v2-continue.scope.OOMPolicy":        "continue",
		"t3v2-continue.scope.child":            "137",
		"t3v2-continue.scope.server":           "alive",
		"t3v2-continue.scope.ActiveState":      "active",
		"continue.exit":                        "0",
		// B, the contrast: OOMPolicy=stop takes the server down with its
		// child (SIGTERM: exit 143), before it can report anything more.
		"t3v2-stop.scope.OOMPolicy": "stop",
		"t3v2-stop.scope.server":    "",
		"stop.exit":                 "143",
		// C: the unit sets the caps itself.
		"unit.memory.high":     "12884901888",
		"unit.memory.max":      "17179869184",
		"unit.memory.swap.max": "0",
		"unit.OOMPolicy":       "continue",
		"unit.cgroup":          "t3-serve@root.service",
		"unit.server":          "alive",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
	if !regexp.MustCompile(`Memory cgroup out of memory: Killed process \d+ \(dd\)`).MatchString(log) {
		t.Error("the kernel did not report an OOM kill of the runaway child")
	}
	if t.Failed() {
		t.Logf("serial log:\n%s", log)
	}
}
