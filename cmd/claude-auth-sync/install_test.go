package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

// TestMakeInstall: `make install` puts the programs and the agents script
// in PREFIX/bin, the timer's units (pointing at that claude-auth-sync) in
// the user unit directory, a commented config file where there was none,
// and says what to run next; a config file already there is kept.
func TestMakeInstall(t *testing.T) {
	mk := testenv.Tool(t, "make", "apt-get install make")
	dir := t.TempDir()
	conf := filepath.Join(dir, "config")
	run := func() string {
		cmd := exec.Command(mk, "-C", repoRoot(t), "install", "PREFIX="+dir, "UNITDIR="+filepath.Join(dir, "units"), "CONFFILE="+conf, "BIN="+filepath.Join(dir, "build"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make install: %v\n%s", err, out)
		}
		return string(out)
	}
	out := run()
	for _, f := range []string{"bin/claude-launch", "bin/claude-auth-sync", "bin/t3-serve-launch", "bin/claude-agents"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Mode().Perm()&0o111 == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	unit, err := os.ReadFile(filepath.Join(dir, "units", "claude-auth-sync.service"))
	if err != nil || !strings.Contains(string(unit), "ExecStart="+filepath.Join(dir, "bin", "claude-auth-sync")+" sync") {
		t.Errorf("unit: %v\n%s", err, unit)
	}
	if _, err := os.Stat(filepath.Join(dir, "units", "claude-auth-sync.timer")); err != nil {
		t.Error(err)
	}
	if b, err := os.ReadFile(conf); err != nil || !strings.Contains(string(b), "#VAULT_ADDR=") {
		t.Errorf("config: %v", err)
	}
	if !strings.Contains(out, "alias claude=claude-launch") || !strings.Contains(out, "systemctl --user enable --now claude-auth-sync.timer") {
		t.Errorf("no next steps:\n%s", out)
	}
	if err := os.WriteFile(conf, []byte("VAULT_ADDR=https://mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run()
	if b, _ := os.ReadFile(conf); string(b) != "VAULT_ADDR=https://mine\n" {
		t.Error("make install replaced an existing config file")
	}
}
