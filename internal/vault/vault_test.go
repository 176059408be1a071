package vault

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
	"github.com/hashicorp/vault/api"
)

const testToken = token.Prefix + "TESTtokenVALUE_vault"

func getenvOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// settings are the defaults with VAULT_ADDR addr and the given changes.
func settings(t *testing.T, addr string, env ...string) *config.Config {
	t.Helper()
	// The changes first: the first value of a name counts.
	environ := append(env, "HOME=/nonexistent", config.EnvVaultTimeout+"=5s", "VAULT_ADDR="+addr)
	c, problems := config.Load(config.Input{Environ: environ, NoFile: true})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return &c
}

// userVault starts a dev Vault on loopback with the setup token stored (KV
// version 2) at this user's default path, and returns the user's name and a
// token that can read only their own path.
func userVault(t *testing.T) (v *testenv.VaultServer, me, userToken string) {
	t.Helper()
	v, me, userToken = testenv.StartUserVault(t)
	v.PutSetupToken(t, me, testToken)
	return v, me, userToken
}

// TestLookupRealVault runs against `vault server -dev` on loopback: what
// is an authoritative "no token", and what is an error.
func TestLookupRealVault(t *testing.T) {
	v, me, userToken := userVault(t)
	ctx := context.Background()
	kv2 := v.Client.KVv2("secret")
	put := func(path string, data map[string]any) {
		if _, err := kv2.Put(ctx, "users/"+me+"/"+path, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.Client.KVv1("kv1").Put(ctx, "users/"+me+"/claude", map[string]any{"setup_token": testToken}); err != nil {
		t.Fatal(err)
	}
	put("bad", map[string]any{"setup_token": "sk-ant-api03-TESTtokenVALUE", "n": 1})
	put("null", map[string]any{"setup_token": nil})
	put("large", map[string]any{"setup_token": testToken, "notes": strings.Repeat("x", 1<<20)})
	put("deleted", map[string]any{"setup_token": testToken})
	if err := kv2.Delete(ctx, "users/"+me+"/deleted"); err != nil {
		t.Fatal(err)
	}
	put("destroyed", map[string]any{"setup_token": testToken})
	if err := kv2.Destroy(ctx, "users/"+me+"/destroyed", []int{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Client.KVv2("secret").Put(ctx, "users/other/claude", map[string]any{"setup_token": testToken}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"VAULT_TOKEN": userToken}

	for _, tc := range []struct {
		name    string
		set     []string
		env     map[string]string
		want    string
		wantErr error
		msg     string
	}{
		{"kv v2", nil, env, testToken, nil, ""},
		{"kv v1", []string{config.EnvVaultMount + "=kv1"}, env, testToken, nil, ""},
		{"VAULT_WRAP_TTL is ignored", nil, map[string]string{"VAULT_TOKEN": userToken}, testToken, nil, ""},
		{"missing field", []string{config.EnvVaultField + "=nope"}, env, "", token.ErrNoToken, `has no field "nope"`},
		{"missing secret v2", []string{config.EnvVaultPath + "=users/{user}/none"}, env, "", token.ErrNoToken, "no secret"},
		{"missing secret v1", []string{config.EnvVaultMount + "=kv1", config.EnvVaultPath + "=users/{user}/none"}, env, "", token.ErrNoToken, "no secret"},
		{"deleted version", []string{config.EnvVaultPath + "=users/{user}/deleted"}, env, "", token.ErrNoToken, "version 1 was deleted"},
		{"destroyed version", []string{config.EnvVaultPath + "=users/{user}/destroyed"}, env, "", token.ErrNoToken, "version 1 was destroyed"},
		{"malformed token", []string{config.EnvVaultPath + "=users/{user}/bad"}, env, "", token.ErrInvalidToken, "claude-auth-sync rotate"},
		{"not a string", []string{config.EnvVaultPath + "=users/{user}/bad", config.EnvVaultField + "=n"}, env, "", nil, "is not text"},
		// A field that is there but null is not Vault's "none".
		{"null field", []string{config.EnvVaultPath + "=users/{user}/null"}, env, "", nil, `field "setup_token" is not text (JSON null`},
		// Vault's own answer past the bound: too large, not "not Vault".
		{"secret past 1 MiB", []string{config.EnvVaultPath + "=users/{user}/large"}, env, "", nil, "with more than 1 MiB, which is not a setup token and its dates"},
		{"another user's secret is denied", []string{config.EnvVaultPath + "=users/other/claude"}, env, "", nil, "vault denied reading secret/users/other/claude (403)"},
		{"a Vault token Vault never issued", nil, map[string]string{"VAULT_TOKEN": "nonsense"}, "", ErrTokenDead,
			"does not know the Vault token in VAULT_TOKEN (it expired, was revoked, or was never issued): log in again (`vault login`), and unset"},
		{"the same in ~/.vault-token", nil, map[string]string{"HOME": vaultHome(t, "nonsense")}, "", ErrTokenDead,
			"does not know the Vault token in ~/.vault-token (it"},
		{"mistyped mount", []string{config.EnvVaultMount + "=secrte"}, env, "", nil, `has no mount "secrte" that your token can see (it sees`},
		{"mount given with the path", []string{config.EnvVaultMount + "=secret/users", config.EnvVaultPath + "=" + me + "/claude"}, env, "", nil, `is "secret", not "secret/users"; set CLAUDE_LAUNCH_VAULT_MOUNT=secret`},
		{"not a KV mount", []string{config.EnvVaultMount + "=cubbyhole", config.EnvVaultPath + "=x"}, env, "", nil, `"cubbyhole" is a cubbyhole mount, not a KV one`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Contains(tc.name, "WRAP") {
				t.Setenv("VAULT_WRAP_TTL", "5m")
			}
			c, err := New(settings(t, v.Addr, tc.set...), getenvOf(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Lookup(ctx)
			if tc.want != "" {
				if err != nil || got.Reveal() != tc.want {
					t.Fatalf("Lookup = %s, %v", fingerprint.Of(got), err)
				}
				return
			}
			checkErr(t, err, tc.wantErr, tc.msg, userToken)
		})
	}
}

// vaultHome is a home directory whose ~/.vault-token holds tok.
func vaultHome(t *testing.T, tok string) string {
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".vault-token"), []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}

// checkErr: err is wantErr (or, with nil, any error but an authoritative
// "no token"), mentions msg, and leaks no secret.
func checkErr(t *testing.T, err, wantErr error, msg string, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if wantErr != nil && !errors.Is(err, wantErr) {
		t.Errorf("err = %v, want %v", err, wantErr)
	}
	if wantErr == nil && errors.Is(err, token.ErrNoToken) {
		t.Errorf("err = %v is an authoritative none; want a failure", err)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("err = %v, want it to mention %q", err, msg)
	}
	for _, s := range append(secrets, "TESTtokenVALUE") {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error leaks a secret: %v", err)
		}
	}
}

func TestNoVaultToken(t *testing.T) {
	_, err := New(settings(t, "http://127.0.0.1:1"), getenvOf(map[string]string{"HOME": t.TempDir(), "VAULT_TOKEN": " "}))
	if !errors.Is(err, token.ErrNoVaultToken) {
		t.Errorf("err = %v", err)
	}
}

// The preflight answers of a real Vault, for fakes that fault only on the
// read that follows.
const (
	mountsV2 = `{"request_id":"r","data":{"path":"secret/","type":"kv","options":{"version":"2"}},"wrap_info":null,"warnings":null,"auth":null}`
	mountsV1 = `{"request_id":"r","data":{"path":"secret/","type":"kv","options":{"version":"1"}},"wrap_info":null,"warnings":null,"auth":null}`
)

// TestLookupFaults: answers a real Vault cannot be made to give on demand,
// from a fake server. None of them is "no token".
func TestLookupFaults(t *testing.T) {
	reply := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			w.Write([]byte(body))
		}
	}
	onRead := func(mounts string, h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/v1/sys/internal/ui/mounts/") {
				w.Write([]byte(mounts))
				return
			}
			h(w, r)
		}
	}
	notVault := "which is not an answer Vault gives; check that VAULT_ADDR is your Vault server"
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		msg     string
	}{
		{"404 with no body, on everything (a proxy, a wrong VAULT_ADDR)", reply(404, ""), "a 404 without Vault's JSON body"},
		{"404 with an HTML page, on everything", reply(404, "<html><body>Not Found</body></html>"), "a 404 without Vault's JSON body"},
		{"404 with no body on the read", onRead(mountsV2, reply(404, "")), "a 404 without Vault's JSON body for secret/users/x/claude, " + notVault},
		{"404 with no body on a v1 read", onRead(mountsV1, reply(404, "")), notVault},
		{"404 with {} on the read", onRead(mountsV2, reply(404, "{}")), "a 404 without Vault's error list"},
		{"200 with {}", onRead(mountsV2, reply(200, "{}")), "a 200 without the secret's data"},
		{"200 with null", onRead(mountsV2, reply(200, "null")), "a 200 without the secret's data"},
		{"200 without data", onRead(mountsV2, reply(200, `{"request_id":"r","warnings":null}`)), "a 200 without the secret's data"},
		{"200 v1 with {}", onRead(mountsV1, reply(200, "{}")), "a 200 without the secret's data"},
		{"200 v2 without metadata", onRead(mountsV2, reply(200, `{"data":{"setup_token":"x"}}`)), "not a KV version 2 secret"},
		{"204", onRead(mountsV2, reply(204, "")), "a 204, no content"},
		{"200 preflight with {}", reply(200, "{}"), "a 200 that does not describe a mount"},
		{"wrapped answer", onRead(mountsV2, reply(200, `{"request_id":"","data":null,"wrap_info":{"token":"hvs.wrapped","ttl":300,"creation_path":"secret/data/users/x/claude"}}`)), "response-wrapped"},
		{"500", onRead(mountsV2, reply(500, `{"errors":["internal error"]}`)), "failed reading secret/users/x/claude (500: internal error); try again later"},
		{"500 in an election", onRead(mountsV2, reply(500, `{"errors":["local node not active but active cluster node not found"]}`)),
			"is a standby that knows no active node to send the request on to (500: local node not active but active cluster node not found): " +
				"its cluster is electing a new leader"},
		{"503 sealed", onRead(mountsV2, reply(503, `{"errors":["Vault is sealed"]}`)), "is sealed"},
		{"hang", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, "did not answer within 300ms"},
		{"truncated body", onRead(mountsV2, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "200")
			w.Write([]byte(`{"data":{"data":{"setup_token":"sk-ant-oat01-TESTtoken`))
		}), "unexpected EOF"},
		{"not json", onRead(mountsV2, reply(200, `<html>proxy error</html>`)), "a 200 without the secret's data"},
		// Cut at the bound, this answer still parses: it must be refused.
		{"an answer past 1 MiB", onRead(mountsV2, reply(200, `{"data":{"data":{"setup_token":"sk-ant-oat01-TESTbig"},"metadata":{"version":1}}}`+strings.Repeat(" ", 2<<20))),
			"answered reading secret/users/x/claude with more than 1 MiB, which is not a setup token and its dates: remove what else fills that secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			c, err := New(settings(t, srv.URL, config.EnvVaultTimeout+"=300ms", config.EnvVaultPath+"=users/x/claude"), getenvOf(map[string]string{"VAULT_TOKEN": "t"}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Lookup(context.Background())
			checkErr(t, err, nil, tc.msg, "hvs.wrapped")
		})
	}
}

// TestLookupTransport: what goes wrong before any answer is explained for
// what it is.
func TestLookupTransport(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	for _, tc := range []struct{ name, addr, msg string }{
		{"certificate not trusted", tlsSrv.URL, "presented a certificate that is not trusted here (tls: failed to verify certificate: x509: certificate signed by unknown authority); set VAULT_CACERT"},
		{"https to a plain server", "https://" + strings.TrimPrefix(plain.URL, "http://"), "speaks plain HTTP; set VAULT_ADDR to http://"},
		{"nothing listening", "http://127.0.0.1:1", "is unreachable (dial tcp 127.0.0.1:1: connect: connection refused); check VAULT_ADDR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(settings(t, tc.addr), getenvOf(map[string]string{"VAULT_TOKEN": "t"}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Lookup(context.Background())
			checkErr(t, err, nil, tc.msg)
		})
	}
}

// TestUnreachableDefault: nothing at the default address, with VAULT_ADDR
// unset, says it was the default and where to set it.
func TestUnreachableDefault(t *testing.T) {
	ue := &url.Error{Op: "Get", URL: config.DefaultVaultAddr + "/v1/x", Err: errors.New("dial tcp 127.0.0.1:8200: connect: connection refused")}
	want := "vault at https://127.0.0.1:8200 is unreachable (dial tcp 127.0.0.1:8200: connect: connection refused); that is the default address, " +
		"as VAULT_ADDR is not set: set VAULT_ADDR to your Vault server in the config file (~/.config/claude-launch/config)"
	if err := explainTransport(config.DefaultVaultAddr, true, ue); err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
}

// TestReadAnswer: the classification itself, case by case.
func TestReadAnswer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		v      int
		status int
		body   string
		absent string // "" and ok: fields
		ok     bool
	}{
		{"v2 secret", 2, 200, `{"data":{"data":{"setup_token":"x"},"metadata":{"version":3,"created_time":"2026-01-02T03:04:05.5Z","deletion_time":"","destroyed":false}}}`, "", true},
		{"v2 missing", 2, 404, `{"errors":[]}`, "no secret", true},
		{"v2 deleted", 2, 404, `{"data":{"data":null,"metadata":{"version":2,"deletion_time":"2026-01-01T00:00:00Z","destroyed":false}}}`, "version 2 was deleted", true},
		{"v2 destroyed", 2, 404, `{"data":{"data":null,"metadata":{"version":2,"deletion_time":"","destroyed":true}}}`, "version 2 was destroyed", true},
		{"v2 404 with data that is not deletion", 2, 404, `{"data":{"data":null,"metadata":{"version":2,"deletion_time":"","destroyed":false}}}`, "", false},
		{"v1 secret", 1, 200, `{"data":{"setup_token":"x"}}`, "", true},
		{"v1 missing", 1, 404, `{"errors":[]}`, "no secret", true},
		{"v1 404 array", 1, 404, `[]`, "", false},
		// What Vault answers when the mount is gone: not about the secret.
		{"v2 404 no handler", 2, 404, `{"errors":["no handler for route \"secret/data/users/x/claude\". route entry not found."]}`, "", false},
		{"v1 404 no handler", 1, 404, `{"errors":["no handler for route \"kv1/users/x/claude\". route entry not found."]}`, "", false},
		{"v1 200 data array", 1, 200, `{"data":[1]}`, "", false},
		{"403", 2, 403, `{"errors":["permission denied"]}`, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := readAnswer(tc.v, tc.status, []byte(tc.body))
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v", err)
			}
			if err == nil && a.absent != tc.absent {
				t.Errorf("absent = %q, want %q", a.absent, tc.absent)
			}
			if tc.name == "v2 secret" && (a.version != 3 || a.created.IsZero() || a.fields["setup_token"] != "x") {
				t.Errorf("answer = %+v", a)
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

// TestTokenInfo: lookup-self's answer read as Vault defines it; fields
// that are absent or of another type count as 0, never a panic.
func TestTokenInfo(t *testing.T) {
	n := func(s string) json.Number { return json.Number(s) }
	for _, tc := range []struct {
		name string
		data map[string]any
		want TokenInfo
	}{
		{"root", map[string]any{"ttl": n("0"), "creation_ttl": n("0"), "renewable": false, "expire_time": nil}, TokenInfo{}},
		{"renewable", map[string]any{"ttl": n("30"), "creation_ttl": n("60"), "renewable": true, "expire_time": "2027-01-01T00:00:00Z"},
			TokenInfo{TTL: 30 * time.Second, CreationTTL: time.Minute, Renewable: true, Expires: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"periodic", map[string]any{"ttl": n("5"), "period": n("8"), "renewable": true}, TokenInfo{TTL: 5 * time.Second, CreationTTL: 8 * time.Second, Renewable: true, Periodic: true}},
		{"periodic with a max", map[string]any{"ttl": n("5"), "period": n("8"), "explicit_max_ttl": n("60"), "creation_time": n("1800000000"),
			"renewable": true},
			TokenInfo{TTL: 5 * time.Second, CreationTTL: 8 * time.Second, Renewable: true, Ends: time.Unix(1800000060, 0)}},
		{"fields absent or odd", map[string]any{"ttl": "soon", "renewable": "yes"}, TokenInfo{}},
		{"nothing", map[string]any{}, TokenInfo{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tokenInfo(&api.Secret{Data: tc.data})
			if err != nil || got != tc.want {
				t.Errorf("tokenInfo = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	if _, err := tokenInfo(&api.Secret{}); err == nil {
		t.Error("a look-up without data accepted")
	}
}

// TestTokenEnds: a token is said to end when nothing the timer does can
// carry it past that time: not renewable, its explicit max TTL, or a TTL
// too short for an hourly timer to catch it at half.
func TestTokenEnds(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name   string
		info   TokenInfo
		ending bool
	}{
		{"renewable, 24 h", TokenInfo{Renewable: true, CreationTTL: 24 * time.Hour, Expires: now.Add(20 * time.Hour)}, false},
		{"renewable, explicit max in 2 days", TokenInfo{Renewable: true, CreationTTL: 24 * time.Hour, Expires: now.Add(20 * time.Hour),
			Ends: now.Add(48 * time.Hour)}, true},
		{"renewable, explicit max in 30 days", TokenInfo{Renewable: true, CreationTTL: 24 * time.Hour, Expires: now.Add(20 * time.Hour),
			Ends: now.Add(720 * time.Hour)}, false},
		{"renewable, 30 min: no run renews it", TokenInfo{Renewable: true, CreationTTL: 30 * time.Minute, Expires: now.Add(20 * time.Minute)}, true},
		{"periodic, 8 h", TokenInfo{Renewable: true, Periodic: true, CreationTTL: 8 * time.Hour, Expires: now.Add(time.Hour)}, false},
		{"not renewable, 1 h", TokenInfo{CreationTTL: time.Hour, Expires: now.Add(time.Hour)}, true},
		{"never expires", TokenInfo{}, false},
	} {
		tc.info.settle()
		if got := tc.info.Ending(now); got != tc.ending {
			t.Errorf("%s: Ending = %v, want %v (%+v)", tc.name, got, tc.ending, tc.info)
		}
	}
}

// TestExplainedElsewhere: failures of a cluster and of writes and token
// look-ups that a real cluster gives only now and then (TestVaultCluster
// makes them for real), each one line that names what to do.
func TestExplainedElsewhere(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close() // a closed port: the active node that is gone
	mounts := func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/v1/sys/internal/ui/mounts/") {
			w.Write([]byte(mountsV2))
			return true
		}
		return false
	}
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		do      func(*Client) error
		msg     string
	}{
		{"a standby sends the read on to a dead active node",
			func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, deadURL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
			},
			func(c *Client) error { _, err := c.Lookup(context.Background()); return err },
			"sent the request on to its cluster's active node at " + deadURL + ", which is unreachable (dial tcp "},
		{"a node not initialised",
			func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v1/sys/seal-status" {
					w.Write([]byte(`{"type":"shamir","initialized":false,"sealed":true,"t":0,"n":0,"progress":0}`))
					return
				}
				w.WriteHeader(503)
				w.Write([]byte(`{"errors":["Vault is sealed"]}`))
			},
			func(c *Client) error { _, err := c.Lookup(context.Background()); return err },
			"is not initialised: it is a node that has not joined its cluster yet"},
		{"a write refused with 400",
			func(w http.ResponseWriter, r *http.Request) {
				if !mounts(w, r) {
					w.WriteHeader(400)
					w.Write([]byte(`{"errors":["check-and-set parameter did not match the current version"]}`))
				}
			},
			func(c *Client) error { return c.Remove(context.Background()) },
			"vault rejected writing secret/users/x/claude (400: check-and-set parameter did not match the current version); it changed meanwhile: try again"},
		{"a write to a mount that is gone",
			func(w http.ResponseWriter, r *http.Request) {
				if !mounts(w, r) {
					w.WriteHeader(404)
					w.Write([]byte(`{"errors":["no handler for route \"secret/data/users/x/claude\". route entry not found."]}`))
				}
			},
			func(c *Client) error {
				tok, _ := token.NewSecret(testToken)
				return c.Store(context.Background(), tok, time.Now(), time.Now().Add(time.Hour))
			},
			"answered writing secret/users/x/claude with a 404 about something else than the secret"},
		{"the token look-up fails",
			func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(500)
				w.Write([]byte(`{"errors":["internal error"]}`))
			},
			func(c *Client) error { _, err := c.Token(context.Background(), false); return err },
			"failed looking up your Vault token (500: internal error); try again later"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			c, err := New(settings(t, srv.URL, config.EnvVaultTimeout+"=2s", config.EnvVaultPath+"=users/x/claude"), getenvOf(map[string]string{"VAULT_TOKEN": "t"}))
			if err != nil {
				t.Fatal(err)
			}
			err = tc.do(c)
			checkErr(t, err, nil, tc.msg)
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("more than one line: %q", err)
			}
		})
	}
}
