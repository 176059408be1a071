package layout_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

// TestDeb builds the Debian package twice from this checkout, as `make deb`
// does, the second time from an empty Go build cache into another
// directory, and checks what an administrator gets: the same bytes both
// times; the files where Debian puts them, owned by root, units naming the
// installed programs; --version naming the version and the commit; no
// lintian error; and dpkg installing, upgrading, removing and purging it
// in a scratch root, every user's files left as they were.
func TestDeb(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the programs twice, once from an empty build cache: not in -short")
	}
	for _, tool := range []string{"make", "dpkg", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Missing(t, tool, "apt-get install make dpkg")
		}
	}
	a, b := t.TempDir(), t.TempDir()
	deb, err := testenv.Deb(".", a)
	must(t, err)
	again, err := testenv.Deb(".", b, "GOCACHE="+t.TempDir())
	must(t, err)
	if filepath.Base(again) != filepath.Base(deb) {
		t.Fatalf("two builds named %s and %s", deb, again)
	}
	for _, f := range []string{filepath.Base(deb), "claude-launch", "claude-auth-sync", "t3-serve-launch"} {
		x, errA := os.ReadFile(filepath.Join(a, f))
		y, errB := os.ReadFile(filepath.Join(b, f))
		if errA != nil || errB != nil || !bytes.Equal(x, y) {
			t.Errorf("%s: two builds of one commit differ (%v, %v)", f, errA, errB)
		}
	}

	list := run(t, "dpkg-deb", "-c", deb)
	for _, want := range []string{
		"-rwxr-xr-x root/root .* ./usr/bin/claude-launch",
		"-rwxr-xr-x root/root .* ./usr/bin/claude-auth-sync",
		"-rwxr-xr-x root/root .* ./usr/bin/t3-serve-launch",
		"-rwxr-xr-x root/root .* ./usr/bin/claude-agents",
		"-rw-r--r-- root/root .* ./usr/lib/systemd/user/claude-auth-sync.service",
		"-rw-r--r-- root/root .* ./usr/lib/systemd/user/claude-auth-sync.timer",
		"-rw-r--r-- root/root .* ./usr/lib/systemd/system/t3-serve@.service",
		"-rw-r--r-- root/root .* ./usr/share/claude-launch/config.example",
		"-rw-r--r-- root/root .* ./usr/share/claude-launch/prometheus/claude-auth.rules.yml",
		"-rw-r--r-- root/root .* ./usr/share/claude-launch/vault/claude-launch.hcl",
		"-rwxr-xr-x root/root .* ./usr/share/claude-launch/vault/setup.sh",
		"-rw-r--r-- root/root .* ./usr/share/doc/claude-launch/copyright",
		"-rw-r--r-- root/root .* ./usr/share/doc/claude-launch/changelog.gz",
	} {
		if !regexp.MustCompile("(?m)^" + want + "$").MatchString(list) {
			t.Errorf("the package lacks %q:\n%s", want, list)
		}
	}
	x := t.TempDir()
	run(t, "dpkg-deb", "-x", deb, x)
	for unit, want := range map[string]string{
		"usr/lib/systemd/user/claude-auth-sync.service": "ExecStart=/usr/bin/claude-auth-sync sync",
		"usr/lib/systemd/system/t3-serve@.service":      "ExecStart=/usr/bin/t3-serve-launch serve",
	} {
		if b, _ := os.ReadFile(filepath.Join(x, unit)); !strings.Contains(string(b), "\n"+want+"\n") {
			t.Errorf("%s lacks %q", unit, want)
		}
	}
	commit := strings.TrimSpace(run(t, "git", "rev-parse", "--short=12", "HEAD"))
	version := strings.TrimSpace(run(t, "dpkg-deb", "-f", deb, "Version"))
	out, _ := exec.Command(filepath.Join(x, "usr/bin/claude-launch"), "--version").CombinedOutput()
	if want := "claude-launch " + version + " (commit " + commit + ")\n"; !strings.HasPrefix(string(out), want) {
		t.Errorf("claude-launch --version said %q, want %q first", out, want)
	}

	t.Run("lintian", func(t *testing.T) {
		if _, err := exec.LookPath("lintian"); err != nil {
			testenv.Missing(t, "lintian", "run `make debian-tools` as root (apt-get install lintian)")
		}
		out, _ := exec.Command("lintian", "--allow-root", deb).CombinedOutput()
		if regexp.MustCompile(`(?m)^E: `).Match(out) {
			t.Errorf("lintian reports errors:\n%s", out)
		}
	})

	t.Run("dpkg", func(t *testing.T) { dpkgLifecycle(t, a, deb, version) })
}

// dpkgLifecycle installs deb into a scratch root, upgrades it to a second
// build (a higher version of the same programs in bin), removes and
// purges it, with a user's files and an enabled t3-serve@ beside it.
func dpkgLifecycle(t *testing.T, bin, deb, version string) {
	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates"} {
		must(t, os.MkdirAll(filepath.Join(root, d), 0o755))
	}
	must(t, os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644))
	dpkg := func(args ...string) string {
		t.Helper()
		return run(t, "dpkg", append([]string{"--root=" + root, "--force-script-chrootless", "--force-not-root", "--log=/dev/null"}, args...)...)
	}
	user := map[string]string{
		"home/alice/.config/claude-auth-sync/claude-oauth.env": "CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-not-a-real-one\n",
		"home/alice/.config/claude-launch/config":              "VAULT_ADDR=https://vault.example:8200\n",
		"home/alice/.local/state/claude-auth-sync/state.json":  "{}\n",
	}
	for p, s := range user {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o700))
		must(t, os.WriteFile(filepath.Join(root, p), []byte(s), 0o600))
	}
	userWants := filepath.Join(root, "home/alice/.config/systemd/user/timers.target.wants/claude-auth-sync.timer")
	must(t, os.MkdirAll(filepath.Dir(userWants), 0o755))
	must(t, os.Symlink("/usr/lib/systemd/user/claude-auth-sync.timer", userWants))
	userLeft := func(when string) {
		t.Helper()
		if _, err := os.Lstat(userWants); err != nil {
			t.Errorf("%s: alice's enable link of the timer is gone", when)
		}
		for p, s := range user {
			if b, err := os.ReadFile(filepath.Join(root, p)); err != nil || string(b) != s {
				t.Errorf("%s: %s changed or gone (%v)", when, p, err)
			}
		}
	}
	present := func(when string, want bool) {
		t.Helper()
		for _, p := range []string{"usr/bin/claude-launch", "usr/bin/claude-agents", "usr/lib/systemd/system/t3-serve@.service",
			"usr/lib/systemd/user/claude-auth-sync.timer", "usr/share/claude-launch/vault/setup.sh"} {
			if _, err := os.Stat(filepath.Join(root, p)); (err == nil) != want {
				t.Errorf("%s: %s present is %v", when, p, err == nil)
			}
		}
	}

	if out := dpkg("-i", deb); !strings.Contains(out, "systemctl --user enable --now claude-auth-sync.timer") {
		t.Errorf("the install does not say how a user turns the sync on:\n%s", out)
	}
	present("installed", true)
	wants := filepath.Join(root, "etc/systemd/system/multi-user.target.wants/t3-serve@alice.service")
	must(t, os.MkdirAll(filepath.Dir(wants), 0o755))
	must(t, os.Symlink(filepath.Join(root, "usr/lib/systemd/system/t3-serve@.service"), wants))

	second, err := testenv.Deb(".", bin, "VERSION="+version+"+1")
	must(t, err)
	if out := dpkg("-i", second); !strings.Contains(out, "systemctl --user daemon-reload") {
		t.Errorf("the upgrade does not tell users to reload their units:\n%s", out)
	}
	if got := run(t, "dpkg-query", "--admindir="+root+"/var/lib/dpkg", "-W", "-f", "${Version}", "claude-launch"); got != version+"+1" {
		t.Errorf("after the upgrade dpkg has %q", got)
	}
	present("upgraded", true)
	userLeft("upgraded")

	dpkg("-r", "claude-launch")
	present("removed", false)
	userLeft("removed")
	if _, err := os.Lstat(wants); err != nil {
		t.Errorf("the removal took the administrator's enable link before the purge: %v", err)
	}
	out := dpkg("-P", "claude-launch")
	if !strings.Contains(out, "purged. Each user's files are left as they were") {
		t.Errorf("the purge does not say the users' files stay:\n%s", out)
	}
	userLeft("purged")
	if _, err := os.Lstat(wants); err == nil {
		t.Error("the purge left the dangling enable link of t3-serve@alice")
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
