package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
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
	v, tok, bin, mint, run := tokenLab(t)
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
	if !strings.Contains(metrics, "claude_auth_vault_token_expiry_timestamp_seconds ") || !strings.Contains(metrics, "claude_auth_vault_token_valid 1") {
		t.Errorf("metrics:\n%s", metrics)
	}
	// Renewed by hand, but an 8 s TTL is too short for the hourly timer:
	// status says so and names the TTL it needs; a 3 h one it renews.
	if out, _, _ := run(renewable, "status"); !strings.Contains(out, "renewable, but its TTL is too short for the hourly timer: ask for over 2h10m") ||
		!strings.Contains(out, "its TTL (8s) is too short for the hourly timer to renew it (ask for over 2h10m)") {
		t.Errorf("status does not say the timer cannot renew it:\n%s", out)
	}
	if out, _, _ := run(mint(api.TokenCreateRequest{TTL: "3h"}), "status"); !strings.Contains(out, "left, renewable: the timer's sync renews it") {
		t.Errorf("status does not say how long the token lasts:\n%s", out)
	}

	// At its max TTL: the renewal is cut short; sync and status warn, and
	// the metric says it can no longer be renewed.
	capped := mint(api.TokenCreateRequest{TTL: "8s", ExplicitMaxTTL: "10s"})
	time.Sleep(5 * time.Second)
	out, metrics, _ = run(capped, "sync")
	if !strings.Contains(out, "has reached its max TTL: log in again (`vault login`) before then") ||
		!strings.Contains(metrics, "claude_auth_vault_token_end_timestamp_seconds ") {
		t.Errorf("a capped token is not said: %s\n%s", out, metrics)
	}

	// Periodic: renewable for ever.
	periodic := mint(api.TokenCreateRequest{Period: "8s"})
	time.Sleep(5 * time.Second)
	if out, _, _ := run(periodic, "sync"); !strings.Contains(out, "renewed the Vault token") || ttlOf(periodic) < 6*time.Second {
		t.Errorf("a periodic token was not renewed: ttl %s", ttlOf(periodic))
	}
	if out, _, _ := run(mint(api.TokenCreateRequest{Period: "3h"}), "status"); !strings.Contains(out, "periodic, ") {
		t.Errorf("status does not say periodic:\n%s", out)
	}

	// Not renewable, ending within the warning: status warns.
	fixed := mint(api.TokenCreateRequest{TTL: "1h", Renewable: new(bool)})
	if out, _, _ := run(fixed, "status"); !strings.Contains(out, "is not renewable: log in again (`vault login`) before then") {
		t.Errorf("status does not warn of a token that cannot be renewed:\n%s", out)
	}

	// Expired, or never issued (a mistyped VAULT_TOKEN): Vault cannot tell
	// which, and says "invalid token"; one message naming the fix, the env
	// file as it was, and the metric says the token is not valid.
	expired := mint(api.TokenCreateRequest{TTL: "2s"})
	time.Sleep(3 * time.Second)
	for _, vt := range []string{expired, "hvs.CAESIMistypedNeverIssued0123"} {
		home := t.TempDir()
		envFile := filepath.Join(home, ".config", "claude-auth-sync", "claude-oauth.env")
		if err := store.WriteEnvFile(envFile, tok); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(envFile)
		metrics := filepath.Join(home, "m.prom")
		cmd := exec.Command(filepath.Join(bin, "claude-auth-sync"), "sync")
		cmd.Env = testenv.CoverEnv([]string{"HOME=" + home, "PATH=/usr/bin:/bin", "VAULT_ADDR=" + v.Addr, "VAULT_TOKEN=" + vt,
			"CLAUDE_LAUNCH_CLAUDE=/bin/true", "CLAUDE_LAUNCH_METRICS_FILE=" + metrics})
		b, err := cmd.CombinedOutput()
		want := "ERRO claude-auth-sync: sync: vault at " + v.Addr + " does not know the Vault token in VAULT_TOKEN " +
			"(it expired, was revoked, or was never issued): log in again (`vault login`), and unset VAULT_TOKEN or set it to the new token; " +
			"the env file was left as it was"
		if err == nil || strings.Count(string(b), "ERRO") != 1 || strings.Count(string(b), "WARN") != 0 || !strings.Contains(string(b), want) {
			t.Errorf("a token Vault does not know: %v\n%s", err, b)
		}
		if after, _ := os.ReadFile(envFile); !bytes.Equal(before, after) {
			t.Error("the env file changed")
		}
		if m, _ := os.ReadFile(metrics); !strings.Contains(string(m), "claude_auth_vault_token_valid 0") {
			t.Errorf("metrics:\n%s", m)
		}
		if strings.Contains(string(b), "TESTtoken") || strings.Contains(string(b), vt) {
			t.Error("a token was echoed")
		}
	}
}

// TestVaultTokenJudgedByTheRead: a Vault token that may read the user's
// path but not look itself up or renew itself (no `default` policy, or
// renew-self denied: the runbook asks only for read) still syncs: the
// failure is one warning naming the fix, the read goes on, and the token
// counts as valid. A token whose explicit max TTL ends within the warning
// window is warned of by status, sync and the metric, though renewable.
func TestVaultTokenJudgedByTheRead(t *testing.T) {
	v, tok, _, mint, run := tokenLab(t)
	if err := v.Client.Sys().PutPolicy("no-renew", `path "auth/token/renew-self" { capabilities = ["deny"] }`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		req  api.TokenCreateRequest
		wait time.Duration // for half the TTL to pass, so that the sync renews
		warn string
	}{
		{"no default policy", api.TokenCreateRequest{TTL: "8s", NoDefaultPolicy: true}, 5 * time.Second,
			"denied looking up your Vault token (403), so the timer cannot keep it alive: ask the operator for the `default` policy next to yours"},
		{"renew-self denied", api.TokenCreateRequest{TTL: "8s", Policies: []string{"no-renew"}}, 5 * time.Second,
			"denied renewing your Vault token (403), so the timer cannot keep it alive: ask the operator for the `default` policy next to yours"},
	} {
		vt := mint(c.req)
		time.Sleep(c.wait)
		out, metrics, err := run(vt, "sync")
		if err != nil || strings.Count(out, "WARN") != 1 || !strings.Contains(out, c.warn) ||
			!strings.Contains(out, ": written (fingerprint "+fingerprint.Of(tok)+")") || strings.Contains(out, "ERRO") ||
			!strings.Contains(metrics, "claude_auth_vault_token_valid 1") {
			t.Errorf("%s: a token that reads its path was not synced with: %v\n%s\n%s", c.name, err, out, metrics)
		}
		// Denied its renewal, it ends at its expiry: the metric says when.
		if strings.Contains(c.name, "renew-self") && !strings.Contains(metrics, "claude_auth_vault_token_end_timestamp_seconds ") {
			t.Errorf("no end in the metrics of a token denied its renewal:\n%s", metrics)
		}
	}
	out, _, _ := run(mint(api.TokenCreateRequest{NoDefaultPolicy: true}), "status")
	if !strings.Contains(out, "denied looking up your Vault token (403)") || strings.Contains(out, "does not know") ||
		!strings.Contains(out, fingerprint.Of(tok)) {
		t.Errorf("status of a token that reads its path but may not look itself up:\n%s", out)
	}

	// Renewable with a 24 h TTL, but its explicit max TTL ends in 2 days.
	vt := mint(api.TokenCreateRequest{TTL: "24h", ExplicitMaxTTL: "48h"})
	for _, args := range [][]string{{"sync"}, {"status"}} {
		out, metrics, _ := run(vt, args...)
		if !strings.Contains(out, "reaches its max TTL then: log in again (`vault login`) before then") {
			t.Errorf("%s does not warn of the max TTL:\n%s", args[0], out)
		}
		if args[0] == "sync" && !strings.Contains(metrics, "claude_auth_vault_token_end_timestamp_seconds ") {
			t.Errorf("no end in the metrics:\n%s", metrics)
		}
	}
}

// tokenLab starts a Vault holding the user's setup token and builds
// claude-auth-sync; mint makes a Vault token that reads the user's path
// (policy "reader"), and run runs a command with it in a fresh home,
// returning its output and the metrics it wrote.
func tokenLab(t *testing.T) (v *testenv.VaultServer, tok token.Secret, bin string,
	mint func(api.TokenCreateRequest) string, run func(vt string, args ...string) (string, string, error)) {
	v, me, _ := testenv.StartUserVault(t)
	tok, _ = token.NewSecret(testenvToken)
	v.PutSetupToken(t, me, tok.Reveal())
	bin = t.TempDir()
	if err := testenv.BuildCommands(bin, "github.com/claude-launch/claude-launch/cmd/claude-auth-sync"); err != nil {
		t.Fatal(err)
	}
	if err := v.Client.Sys().PutPolicy("reader", testenv.UserPolicy(me)); err != nil {
		t.Fatal(err)
	}
	mint = func(req api.TokenCreateRequest) string {
		t.Helper()
		req.Policies, req.NoParent = append(req.Policies, "reader"), true
		s, err := v.Client.Auth().Token().Create(&req)
		if err != nil {
			t.Fatal(err)
		}
		return s.Auth.ClientToken
	}
	run = func(vt string, args ...string) (string, string, error) {
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
	return v, tok, bin, mint, run
}

// testenvToken is a well-formed fake setup token.
const testenvToken = token.Prefix + "TESTtokenVALUE_vaulttoken_0123456789"

// TestSlowTokenCallsNeverStopTheRead: a Vault token look-up or renewal that
// hangs (a proxy holds them; the read goes through) does not keep sync from
// writing the env file, and a short-lived token's warning does not hide
// what status says of the secret.
func TestSlowTokenCallsNeverStopTheRead(t *testing.T) {
	v, tok, bin, mint, _ := tokenLab(t)
	target, _ := url.Parse(v.Addr)
	proxy := httputil.NewSingleHostReverseProxy(target)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/auth/token/") {
			select {
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	defer slow.Close()
	home := t.TempDir()
	run := func(addr, vt string, args ...string) (string, error) {
		cmd := exec.Command(filepath.Join(bin, "claude-auth-sync"), args...)
		cmd.Env = testenv.CoverEnv([]string{"HOME=" + home, "PATH=/usr/bin:/bin", "VAULT_ADDR=" + addr, "VAULT_TOKEN=" + vt,
			"CLAUDE_LAUNCH_CLAUDE=/bin/true", "CLAUDE_LAUNCH_VAULT_TIMEOUT=1s"})
		out, err := cmd.CombinedOutput()
		t.Logf("$ claude-auth-sync %s (%v)\n%s", strings.Join(args, " "), err, out)
		return string(out), err
	}
	out, err := run(slow.URL, mint(api.TokenCreateRequest{TTL: "1h"}), "sync")
	if err != nil || !strings.Contains(out, ": written (fingerprint "+fingerprint.Of(tok)+")") || strings.Contains(out, "ERRO") {
		t.Errorf("a hung token look-up stopped the read: %v\n%s", err, out)
	}
	// Another token in Vault now; a 1 h token is "ending" on every run.
	me, _ := user.Current()
	v.PutSetupToken(t, me.Username, token.Prefix+"TESTtokenVALUE_another_0123456789")
	out, _ = run(v.Addr, mint(api.TokenCreateRequest{TTL: "1h"}), "status")
	if !strings.Contains(out, "Vault holds another token") || !strings.Contains(out, "too short for the hourly timer") {
		t.Errorf("status with a short-lived Vault token hid the secret's verdict, or the token's:\n%s", out)
	}
}
