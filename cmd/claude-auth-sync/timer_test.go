package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/internal/testenv/systemdtest"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// TestTimerUnitUsesTheConfigFile: a real systemd starts the unit in
// scripts/systemd as its timer would. Its environment has no VAULT_ADDR
// (a timer never sees a shell's); the config file names Vault, and
// ~/.vault-token holds the token; the sync writes the env file. The timer
// unit itself loads.
func TestTimerUnitUsesTheConfigFile(t *testing.T) {
	v, me, userToken := testenv.StartUserVault(t)
	tok, _ := token.NewSecret(token.Prefix + "TESTtimer")
	v.PutSetupToken(t, me, tok.Reveal())
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".vault-token"), []byte(userToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgFile := config.DefaultConfigFile(func(k string) string { return map[string]string{"HOME": home}[k] })
	if err := os.MkdirAll(filepath.Dir(cfgFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgFile, []byte("VAULT_ADDR="+v.Addr+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := testenv.BuildCommands(bin, "github.com/claude-launch/claude-launch/cmd/claude-auth-sync"); err != nil {
		t.Fatal(err)
	}
	units := map[string]string{}
	for _, f := range []string{"claude-auth-sync.service", "claude-auth-sync.timer"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "scripts", "systemd", f))
		if err != nil {
			t.Fatal(err)
		}
		units[f] = string(b)
	}
	// Only what the test world lacks changes: no sysinit.target, the
	// binary not in ~/.local/bin, a system manager standing in for the
	// user's (so HOME is given).
	cover := ""
	if d := testenv.CoverDir(); d != "" {
		cover = "Environment=GOCOVERDIR=" + d
	}
	units["claude-auth-sync.service.d/test.conf"] = fmt.Sprintf("[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=\nExecStart=%s sync\nEnvironment=HOME=%s\n%s\n",
		filepath.Join(bin, "claude-auth-sync"), home, cover)
	s := systemdtest.Start(t, units)

	out, err := s.Command("systemctl", "start", "claude-auth-sync.service").CombinedOutput()
	if err != nil {
		st, _ := s.Command("systemctl", "status", "claude-auth-sync.service").CombinedOutput()
		t.Fatalf("systemctl start: %v %s\n%s", err, out, st)
	}
	envFile := config.DefaultEnvFile(func(k string) string { return map[string]string{"HOME": home}[k] })
	got, err := token.ReadEnvFile(envFile, config.SyncCommand)
	if err != nil || !got.Equal(tok) {
		t.Fatalf("the timer's sync did not write the token: %v", err)
	}
	res, _ := s.Command("systemctl", "show", "-p", "Result", "-p", "TimeoutStartUSec", "claude-auth-sync.service").Output()
	if r := string(res); !strings.Contains(r, "Result=success") || !strings.Contains(r, "TimeoutStartUSec=2min") {
		t.Errorf("service: %q, want success with a 2min start timeout", r)
	}
	load, _ := s.Command("systemctl", "show", "-p", "LoadState", "--value", "claude-auth-sync.timer").Output()
	if strings.TrimSpace(string(load)) != "loaded" {
		t.Errorf("timer unit: %q", load)
	}
}
