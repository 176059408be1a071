package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/hashicorp/vault/api"
)

// TestVaultTokenDoesNotLapse: the timer's sync keeps the user's own
// renewable Vault token alive (renew-self once half its TTL has passed),
// as Vault defines renewal for periodic tokens and for those with a max
// TTL; status says how long the token lasts and warns when it cannot be
// renewed any more; an expired token gets one message naming the fix and
// changes nothing on disk. The TTLs are seconds long so that half of one
// passes during the test; nothing asserts on how long anything took.
func TestVaultTokenDoesNotLapse(t *testing.T) {
	v, me, _ := testenv.StartUserVault(t)
	tok, _ := token.NewSecret(testenvToken)
	v.PutSetupToken(t, me, tok.Reveal())
	bin := t.TempDir()
	if err := testenv.BuildCommands(bin, "github.com/claude-launch/claude-launch/cmd/claude-auth-sync"); err != nil {
		t.Fatal(err)
	}
	if err := v.Client.Sys().PutPolicy("reader", testenv.UserPolicy(me)); err != nil {
		t.Fatal(err)
	}
	mint := func(req api.TokenCreateRequest) string {
		t.Helper()
		req.Policies, req.NoParent = []string{"reader"}, true
		s, err := v.Client.Auth().Token().Create(&req)
		if err != nil {
			t.Fatal(err)
		}
		return s.Auth.ClientToken
	}
	ttlOf := func(vt string) time.Duration {
		t.Helper()
		c, _ := v.Client.Clone()
		c.SetToken(vt)
		s, err := c.Auth().Token().LookupSelf()
		if err != nil {
			t.Fatal(err)
		}
		n, _ := s.Data["ttl"].(interface{ Int64() (int64, error) }).Int64()
		return time.Duration(n) * time.Second
	}
	run := func(vt string, args ...string) (string, string, error) {
		t.Helper()
		home := t.TempDir()
		metrics := filepath.Join(home, "claude-auth.prom")
		cmd := exec.Command(filepath.Join(bin, "claude-auth-sync"), args...)
		cmd.Env = testenv.CoverEnv([]string{"HOME=" + home, "PATH=/usr/bin:/bin", "VAULT_ADDR=" + v.Addr, "VAULT_TOKEN=" + vt,
			"CLAUDE_LAUNCH_CLAUDE=/bin/true", "CLAUDE_LAUNCH_METRICS_FILE=" + metrics, "CLAUDE_LAUNCH_LOG_LEVEL=info"})
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		m, _ := os.ReadFile(metrics)
		t.Logf("$ claude-auth-sync %s (%v)\n%s", strings.Join(args, " "), err, out.String())
		return out.String(), string(m), err
	}

	// Renewable, 8 s TTL: not renewed while more than half is left; renewed
	// once half has passed, back to its TTL.
	renewable := mint(api.TokenCreateRequest{TTL: "8s", ExplicitMaxTTL: "1h"})
	if out, _, err := run(renewable, "sync"); err != nil || strings.Contains(out, "renewed the Vault token") {
		t.Fatalf("renewed with most of its TTL left: %v", err)
	}
	time.Sleep(5 * time.Second)
	out, metrics, err := run(renewable, "sync")
	if err != nil || !strings.Contains(out, "renewed the Vault token") || ttlOf(renewable) < 6*time.Second {
		t.Errorf("not renewed past half its TTL: %v, ttl %s", err, ttlOf(renewable))
	}
	if !strings.Contains(metrics, "claude_auth_vault_token_renewable 1") || !strings.Contains(metrics, "claude_auth_vault_token_expiry_timestamp_seconds ") || !strings.Contains(metrics, "claude_auth_vault_token_valid 1") {
		t.Errorf("metrics:\n%s", metrics)
	}
	if out, _, _ := run(renewable, "status"); !strings.Contains(out, "left, renewable: the timer's sync renews it") {
		t.Errorf("status does not say how long the token lasts:\n%s", out)
	}

	// At its max TTL: the renewal is cut short; sync and status warn, and
	// the metric says it can no longer be renewed.
	capped := mint(api.TokenCreateRequest{TTL: "8s", ExplicitMaxTTL: "10s"})
	time.Sleep(5 * time.Second)
	out, metrics, _ = run(capped, "sync")
	if !strings.Contains(out, "has reached its max TTL: log in again (`vault login`) before then") || !strings.Contains(metrics, "claude_auth_vault_token_renewable 0") {
		t.Errorf("a capped token is not said: %s\n%s", out, metrics)
	}

	// Periodic: renewable for ever.
	periodic := mint(api.TokenCreateRequest{Period: "8s"})
	time.Sleep(5 * time.Second)
	if out, _, _ := run(periodic, "sync"); !strings.Contains(out, "renewed the Vault token") || ttlOf(periodic) < 6*time.Second {
		t.Errorf("a periodic token was not renewed: ttl %s", ttlOf(periodic))
	}
	if out, _, _ := run(periodic, "status"); !strings.Contains(out, "periodic") {
		t.Errorf("status does not say periodic:\n%s", out)
	}

	// Not renewable, ending within the warning: status warns.
	fixed := mint(api.TokenCreateRequest{TTL: "1h", Renewable: new(bool)})
	if out, _, _ := run(fixed, "status"); !strings.Contains(out, "is not renewable: log in again (`vault login`) before then") {
		t.Errorf("status does not warn of a token that cannot be renewed:\n%s", out)
	}

	// Expired: one message naming the fix; the env file as it was.
	expired := mint(api.TokenCreateRequest{TTL: "2s"})
	time.Sleep(3 * time.Second)
	home := t.TempDir()
	envFile := filepath.Join(home, ".config", "claude-auth-sync", "claude-oauth.env")
	if err := store.WriteEnvFile(envFile, tok); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(envFile)
	cmd := exec.Command(filepath.Join(bin, "claude-auth-sync"), "sync")
	cmd.Env = testenv.CoverEnv([]string{"HOME=" + home, "PATH=/usr/bin:/bin", "VAULT_ADDR=" + v.Addr, "VAULT_TOKEN=" + expired, "CLAUDE_LAUNCH_CLAUDE=/bin/true"})
	b, err := cmd.CombinedOutput()
	if err == nil || strings.Count(string(b), "ERRO") != 1 || !strings.Contains(string(b), "your Vault token has expired or was revoked") || !strings.Contains(string(b), "`vault login`") {
		t.Errorf("expired token: %v\n%s", err, b)
	}
	if after, _ := os.ReadFile(envFile); !bytes.Equal(before, after) {
		t.Error("the env file changed")
	}
	if strings.Contains(string(b), "TESTtoken") {
		t.Error("the token was echoed")
	}
}

// testenvToken is a well-formed fake setup token.
const testenvToken = token.Prefix + "TESTtokenVALUE_vaulttoken_0123456789"
