package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

// guestVM is a boot of the cgroup v2 test guest (scripts/vm): the cached
// kernel and root, and an overlay of this checkout's files that the test
// puts in; scripts/vm/t3test.service runs /usr/local/bin/t3test, which
// prints "RESULT key=value" lines on the serial console and powers off.
type guestVM struct {
	t                          *testing.T
	image, qemu, cpio, overlay string
}

// newGuest finds the cached image, qemu and cpio, or skips t; its overlay
// holds the static builds of t3-serve-launch, claude-launch and t3sim, the
// unit, and script as t3test, enabled.
func newGuest(t *testing.T, script string) *guestVM {
	t.Helper()
	g := &guestVM{t: t, image: filepath.Join(testenv.CacheDir(), "vm-bookworm-3"), overlay: t.TempDir()}
	if _, err := os.Stat(filepath.Join(g.image, "ready")); err != nil {
		testenv.Missing(t, "the cgroup v2 guest image", "run `make vm-image` (scripts/vm/build-image.sh, root, about 2 minutes)")
	}
	var err error
	if g.qemu, err = exec.LookPath("qemu-system-x86_64"); err != nil {
		testenv.Missing(t, "qemu-system-x86_64", "run `make vm-image`, which installs it")
	}
	if g.cpio, err = exec.LookPath("cpio"); err != nil {
		testenv.Missing(t, "cpio", "apt-get install cpio")
	}
	// Static builds: the guest has none of this machine's libraries.
	bins := t.TempDir()
	for _, pkg := range []string{".", "../claude-launch", "../claude-auth-sync", "./testdata/t3sim"} {
		build := exec.Command("go", "build", "-o", bins, pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", pkg, err, out)
		}
	}
	for _, name := range []string{"t3-serve-launch", "claude-launch", "claude-auth-sync", "t3sim"} {
		g.put("usr/local/bin/"+name, filepath.Join(bins, name), 0o755)
	}
	g.put("usr/local/bin/t3test", script, 0o755)
	g.put("etc/systemd/system/t3test.service", "../../scripts/vm/t3test.service", 0o644)
	g.put("etc/systemd/system/t3-serve@.service", "../../scripts/systemd/t3-serve@.service", 0o644)
	if err := os.MkdirAll(filepath.Join(g.overlay, "etc/systemd/system/multi-user.target.wants"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/systemd/system/t3test.service", filepath.Join(g.overlay, "etc/systemd/system/multi-user.target.wants/t3test.service")); err != nil {
		t.Fatal(err)
	}
	return g
}

// put copies src to dst in the guest (a hard link when it can: some files
// are hundreds of MB).
func (g *guestVM) put(dst, src string, mode os.FileMode) {
	g.t.Helper()
	p := filepath.Join(g.overlay, dst)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		g.t.Fatal(err)
	}
	if st, err := os.Stat(src); err == nil && st.Mode().Perm() == mode && os.Link(src, p) == nil {
		return
	}
	b, err := os.ReadFile(src)
	if err != nil {
		g.t.Fatal(err)
	}
	if err := os.WriteFile(p, b, mode); err != nil {
		g.t.Fatal(err)
	}
}

// putTree copies the directory src to dst in the guest, leaving out the
// entries skip names.
func (g *guestVM) putTree(dst, src string, skip ...string) {
	g.t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, s := range skip {
			if d.Name() == s {
				return filepath.SkipDir
			}
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() || d.Type()&os.ModeSymlink != 0 {
			if d.Type()&os.ModeSymlink != 0 {
				to, err := os.Readlink(p)
				if err == nil {
					_ = os.MkdirAll(filepath.Dir(filepath.Join(g.overlay, dst, rel)), 0o755)
					err = os.Symlink(to, filepath.Join(g.overlay, dst, rel))
				}
				return err
			}
			return os.MkdirAll(filepath.Join(g.overlay, dst, rel), 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		g.put(filepath.Join(dst, rel), p, info.Mode().Perm())
		return nil
	})
	if err != nil {
		g.t.Fatal(err)
	}
}

// boot packs the initramfs (the cached root, then the overlay as a second
// archive: the kernel unpacks concatenated archives in order), runs the
// guest with memMB of memory (and qemuArgs) until it powers off, and returns its serial
// log, colour codes removed, and its RESULT lines.
func (g *guestVM) boot(memMB string, timeout time.Duration, qemuArgs ...string) (string, map[string]string) {
	t := g.t
	t.Helper()
	initrd := filepath.Join(t.TempDir(), "initrd.cpio")
	f, err := os.Create(initrd)
	if err != nil {
		t.Fatal(err)
	}
	root, err := os.Open(filepath.Join(g.image, "root.cpio"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(f, root)
	root.Close()
	if err != nil {
		t.Fatal(err)
	}
	pack := exec.Command("sh", "-c", `find . -print0 | "$0" --null -o -H newc --quiet`, g.cpio)
	pack.Dir, pack.Stdout = g.overlay, f
	if err := errors.Join(pack.Run(), f.Close()); err != nil {
		t.Fatalf("cpio: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args := append([]string{"-m", memMB, "-smp", "2", "-nographic", "-no-reboot", "-nic", "none",
		"-kernel", filepath.Join(g.image, "vmlinuz"), "-initrd", initrd,
		"-append", "console=ttyS0 rdinit=/sbin/init systemd.unified_cgroup_hierarchy=1 panic=-1 quiet systemd.show_status=0"}, qemuArgs...)
	vm := exec.CommandContext(ctx, g.qemu, args...)
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
	return log, got
}
