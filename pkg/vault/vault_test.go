package vault

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
)

const testToken = token.Prefix + "TESTtokenVALUE_vault"

func getenvOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func settings(mount string) Settings {
	return Settings{Mount: mount, Path: token.DefaultVaultPath, Field: token.DefaultVaultField, Timeout: 5 * time.Second}
}

// userVault starts a dev Vault on loopback with the setup token stored (KV
// version 2) at this user's default path, points VAULT_ADDR at it, and
// returns the user's name and a token that can read only their own path.
func userVault(t *testing.T) (v *testenv.VaultServer, me, userToken string) {
	t.Helper()
	v = testenv.StartVault(t)
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("VAULT_ADDR", v.Addr)
	if _, err := v.Client.KVv2("secret").Put(context.Background(), "users/"+u.Username+"/claude", map[string]any{"setup_token": testToken}); err != nil {
		t.Fatal(err)
	}
	if userToken, err = v.Token(testenv.UserPolicy(u.Username)); err != nil {
		t.Fatal(err)
	}
	return v, u.Username, userToken
}

// TestLookupRealVault runs against `vault server -dev` on loopback.
func TestLookupRealVault(t *testing.T) {
	v, me, userToken := userVault(t)
	ctx := context.Background()
	path := "users/" + me + "/claude"
	if err := v.Client.KVv1("kv1").Put(ctx, path, map[string]any{"setup_token": testToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Client.KVv2("secret").Put(ctx, "users/"+me+"/bad", map[string]any{"setup_token": "sk-ant-api03-TESTtokenVALUE", "n": 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Client.KVv2("secret").Put(ctx, "users/other/claude", map[string]any{"setup_token": testToken}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"VAULT_TOKEN": userToken}

	for _, tc := range []struct {
		name    string
		s       Settings
		env     map[string]string
		want    string
		wantErr error
		msg     string
	}{
		{"kv v2", settings("secret"), env, testToken, nil, ""},
		{"kv v1", settings("kv1"), env, testToken, nil, ""},
		{"missing field", Settings{Mount: "secret", Path: path, Field: "nope", Timeout: time.Second}, env, "", token.ErrNoToken, "no field"},
		{"missing secret v2", Settings{Mount: "secret", Path: "users/{user}/none", Field: "setup_token", Timeout: time.Second}, env, "", token.ErrNoToken, "no secret"},
		{"missing secret v1", Settings{Mount: "kv1", Path: "users/{user}/none", Field: "setup_token", Timeout: time.Second}, env, "", token.ErrNoToken, "no secret"},
		{"malformed token", Settings{Mount: "secret", Path: "users/{user}/bad", Field: "setup_token", Timeout: time.Second}, env, "", token.ErrInvalidToken, "rotate"},
		{"not a string", Settings{Mount: "secret", Path: "users/{user}/bad", Field: "n", Timeout: time.Second}, env, "", nil, "not a string"},
		{"another user's secret is denied", Settings{Mount: "secret", Path: "users/other/claude", Field: "setup_token", Timeout: time.Second}, env, "", nil, "403"},
		{"bad vault token", settings("secret"), map[string]string{"VAULT_TOKEN": "nonsense"}, "", nil, "403"},
		{"not a mount", settings("nomount"), env, "", nil, "403"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.s, getenvOf(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Lookup(ctx)
			if tc.want != "" {
				if err != nil || got.Reveal() != tc.want {
					t.Fatalf("Lookup = %s, %v", got.Fingerprint(), err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == nil && errors.Is(err, token.ErrNoToken) {
				t.Errorf("err = %v is an authoritative none; want a failure", err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want it to mention %q", err, tc.msg)
			}
			if strings.Contains(err.Error(), "TESTtokenVALUE") || strings.Contains(err.Error(), userToken) {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
}

func TestNoVaultToken(t *testing.T) {
	_, err := New(settings("secret"), getenvOf(map[string]string{"HOME": t.TempDir()}))
	if !errors.Is(err, ErrNoVaultToken) {
		t.Errorf("err = %v", err)
	}
}

// Faults a real server cannot be made to produce on demand.
func TestLookupFaults(t *testing.T) {
	mounts := func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/v1/sys/internal/ui/mounts/") {
			w.Write([]byte(`{"data":{"path":"secret/","type":"kv","options":{"version":"2"}}}`))
			return true
		}
		return false
	}
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		msg     string
	}{
		{"500", func(w http.ResponseWriter, r *http.Request) {
			if !mounts(w, r) {
				w.WriteHeader(500)
				w.Write([]byte(`{"errors":["internal error"]}`))
			}
		}, "(500)"},
		{"hang", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, "did not answer within"},
		{"truncated body", func(w http.ResponseWriter, r *http.Request) {
			if !mounts(w, r) {
				w.Header().Set("Content-Length", "200")
				w.Write([]byte(`{"data":{"data":{"setup_token":"sk-ant-oat01-TESTtoken`))
			}
		}, "unexpected EOF"},
		{"not json", func(w http.ResponseWriter, r *http.Request) {
			if !mounts(w, r) {
				w.Write([]byte(`<html>proxy error</html>`))
			}
		}, "invalid character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			t.Setenv("VAULT_ADDR", srv.URL)
			s := settings("secret")
			s.Timeout = 300 * time.Millisecond
			s.Path = "users/x/claude"
			c, err := New(s, getenvOf(map[string]string{"VAULT_TOKEN": "t"}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Lookup(context.Background())
			if err == nil || errors.Is(err, token.ErrNoToken) {
				t.Fatalf("err = %v, want a failure", err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want %q", err, tc.msg)
			}
			if strings.Contains(err.Error(), "TESTtoken") {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}
}

func TestExpandPath(t *testing.T) {
	me, _ := user.Current()
	t.Setenv("USER", "somebody-else") // never trusted
	got, err := ExpandPath("users/{user}/claude")
	if err != nil || got != "users/"+me.Username+"/claude" {
		t.Errorf("ExpandPath = %q, %v", got, err)
	}
	if got, _ := ExpandPath("fixed/path"); got != "fixed/path" {
		t.Errorf("ExpandPath without {user} = %q", got)
	}
}

// TestFetcher: the in-process fetch of t3-serve-launch materializes the env
// file from a real Vault, and does nothing without a Vault token.
func TestFetcher(t *testing.T) {
	v, _, userToken := userVault(t)
	home := t.TempDir()
	env := map[string]string{"HOME": home, "VAULT_TOKEN": userToken, "VAULT_ADDR": v.Addr}
	cfg, _ := token.ConfigFromEnv(getenvOf(env))
	r := token.Resolver{Config: cfg, Getenv: getenvOf(env), Fetch: Fetcher(cfg, getenvOf(env))}
	res, err := r.Resolve()
	if err != nil || res.Source != token.SourceVault || res.Token.Reveal() != testToken {
		t.Fatalf("Resolve = %+v, %v", res, err)
	}

	delete(env, "VAULT_TOKEN")
	cfg.EnvFile = filepath.Join(home, "other.env")
	if err := Fetcher(cfg, getenvOf(env))(time.Now().Add(time.Second)); err != nil {
		t.Errorf("without a Vault token: %v", err)
	}
	if _, err := os.Stat(cfg.EnvFile); !os.IsNotExist(err) {
		t.Error("an env file was written without a Vault token")
	}
}
