package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

// TestDebGuest tries the Debian package on a real system: real dpkg and
// systemd 252 with a user manager, in the cgroup v2 guest
// (scripts/vm/deb-test.sh says what runs there). It installs the package;
// alice enables the sync's timer and a sync runs; t3-serve@alice runs a
// stand-in t3 under the unit's caps; a second build upgrades it with both
// running, restarting the server once and leaving alice's files; removal
// and purge take the programs, units and system enable link, leave every
// file of alice's, and the purge says so.
func TestDebGuest(t *testing.T) {
	if testing.Short() {
		t.Skip("the qemu guest takes a few minutes; not in -short")
	}
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		testenv.Missing(t, "dpkg-deb", "apt-get install dpkg")
	}
	g := newGuest(t, "../../scripts/vm/deb-test.sh")
	// The package's programs and unit, not the checkout's copies newGuest put in.
	for _, p := range []string{"usr/local/bin/t3-serve-launch", "usr/local/bin/claude-launch", "usr/local/bin/claude-auth-sync",
		"etc/systemd/system/t3-serve@.service"} {
		if err := os.Remove(filepath.Join(g.overlay, p)); err != nil {
			t.Fatal(err)
		}
	}
	bin := t.TempDir()
	first, err := testenv.Deb("../..", bin)
	if err != nil {
		t.Fatal(err)
	}
	version, err := exec.Command("dpkg-deb", "-f", first, "Version").Output()
	if err != nil {
		t.Fatal(err)
	}
	upgrade := strings.TrimSpace(string(version)) + "+1"
	second, err := testenv.Deb("../..", bin, "VERSION="+upgrade)
	if err != nil {
		t.Fatal(err)
	}
	g.put("root/claude-launch-1.deb", first, 0o644)
	g.put("root/claude-launch-2.deb", second, 0o644)

	log, got := g.boot("1024", 8*time.Minute)
	want := map[string]string{
		"install.exit":        "0",
		"install.said_enable": "1",
		// alice's timer runs a sync, of the installed program.
		"timer.enable.exit": "0",
		"sync.state":        "1",
		"sync.Result":       "success",
		"sync.ExecStart":    "path=/usr/bin/claude-auth-sync",
		// The server under the unit's caps, the stand-in t3 in its leaf.
		"server.ActiveState":          "active",
		"server.ExecStart":            "path=/usr/bin/t3-serve-launch",
		"server.unit.memory.high":     "12884901888",
		"server.unit.memory.max":      "17179869184",
		"server.unit.memory.swap.max": "0",
		"server.t3.leaf":              "server",
		"server.caps_held":            "0",
		"server.watch_procs":          "2", // the watcher and its sentinel
		"server.watcher_forks_socket": "1",
		// The upgrade: the server restarted once, alice's files as they were.
		"upgrade.exit":               "0",
		"upgrade.version":            upgrade,
		"upgrade.server.started":     "2",
		"upgrade.server.ActiveState": "active",
		"upgrade.server.new_pid":     "true",
		"upgrade.timer":              "active",
		"upgrade.userfiles":          "same",
		// Removal and purge.
		"remove.exit":               "0",
		"remove.server.ActiveState": "inactive",
		"remove.gone":               "7",
		"purge.exit":                "0",
		"purge.said":                "1",
		"purge.enable_link":         "0",
		"purge.userfiles":           "same",
		"purge.state":               "1",
		"purge.alice_timer_link":    "kept",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
	if t.Failed() {
		t.Logf("serial log:\n%s", log)
	}
}
