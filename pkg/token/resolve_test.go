package token

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testResolver resolves from a fresh private directory, with a Vault
// token at hand and the default bound; fetch runs on a miss.
func testResolver(t *testing.T, fetch Fetcher) *Resolver {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "claude-auth-sync")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	env := filepath.Join(dir, "claude-oauth.env")
	return &Resolver{
		EnvFile:       env,
		Timeout:       2 * time.Second,
		Negative:      func() *NegativeCache { return &NegativeCache{Path: env + ".negative", Key: "k", TTL: 10 * time.Minute} },
		HasVaultToken: func() bool { return true },
		Fetch:         fetch,
	}
}

// writeEnvFile writes an env file holding s, as package store would.
func writeEnvFile(t *testing.T, path string, s Secret) {
	t.Helper()
	writeFile(t, path, string(EnvFileContent("written by claude-auth-sync", s)), 0o600)
}

func noFetch(t *testing.T) Fetcher {
	return func(time.Time) error { t.Fatal("fetched"); return nil }
}

func secret(t *testing.T) Secret {
	s, err := NewSecret(testToken)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestResolveOrder(t *testing.T) {
	t.Run("kill switch looks at nothing", func(t *testing.T) {
		r := testResolver(t, noFetch(t))
		writeEnvFile(t, r.EnvFile, secret(t))
		r.Disabled = true
		res, err := r.Resolve()
		if err != nil || res.Source != SourceDisabled || !res.Token.IsZero() {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("env file wins without a fetch", func(t *testing.T) {
		r := testResolver(t, noFetch(t))
		writeEnvFile(t, r.EnvFile, secret(t))
		res, err := r.Resolve()
		if err != nil || res.Source != SourceEnvFile || res.Token.Reveal() != testToken {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("unsafe env file is refused, no fetch", func(t *testing.T) {
		r := testResolver(t, noFetch(t))
		writeEnvFile(t, r.EnvFile, secret(t))
		os.Chmod(r.EnvFile, 0o644)
		res, err := r.Resolve()
		if !errors.Is(err, ErrInsecureFile) || res.Source != SourceNone || !res.Token.IsZero() {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("miss fetches within the bound, then reads", func(t *testing.T) {
		var r *Resolver
		r = testResolver(t, func(deadline time.Time) error {
			if left := time.Until(deadline); left <= 0 || left > r.Timeout {
				t.Errorf("fetch deadline %s away, want within %s", left, r.Timeout)
			}
			writeEnvFile(t, r.EnvFile, secret(t))
			return nil
		})
		res, err := r.Resolve()
		if err != nil || res.Source != SourceVault || res.Token.Reveal() != testToken {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("no vault token: no fetch, no sound", func(t *testing.T) {
		r := testResolver(t, noFetch(t))
		r.HasVaultToken = func() bool { return false }
		res, err := r.Resolve()
		if err != nil || res.Source != SourceNone {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("fresh negative result: no fetch", func(t *testing.T) {
		r := testResolver(t, noFetch(t))
		n := r.Negative()
		writeFile(t, n.Path, string(n.Entry(OutcomeAbsent)), 0o600)
		res, err := r.Resolve()
		if err != nil || res.Source != SourceNone {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("failed fetch is a warning", func(t *testing.T) {
		r := testResolver(t, func(time.Time) error { return errors.New("unreachable") })
		res, err := r.Resolve()
		if err == nil || res.Source != SourceNone || !res.Token.IsZero() {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("no home directory", func(t *testing.T) {
		r := testResolver(t, noFetch(t))
		r.EnvFile = ""
		if res, err := r.Resolve(); err != nil || res.Source != SourceNone {
			t.Fatalf("%+v %v", res, err)
		}
	})
}

func TestNegativeCache(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	n := &NegativeCache{Path: filepath.Join(t.TempDir(), "negative"), Key: "v1 key", TTL: 10 * time.Minute, Now: func() time.Time { return now }}
	if fresh, _ := n.Fresh(); fresh {
		t.Error("fresh before any record")
	}
	record := func(o Outcome) { writeFile(t, n.Path, string(n.Entry(o)), 0o600) }
	record(OutcomeAbsent)
	for _, tc := range []struct {
		after time.Duration
		key   string
		fresh bool
	}{
		{0, n.Key, true}, {n.TTL - time.Second, n.Key, true}, {n.TTL, n.Key, false},
		{-time.Hour, n.Key, false}, {0, n.Key + "x", false},
	} {
		m := *n
		m.Key = tc.key
		m.Now = func() time.Time { return now.Add(tc.after) }
		if fresh, _ := m.Fresh(); fresh != tc.fresh {
			t.Errorf("after %s key %q: fresh = %v", tc.after, tc.key, fresh)
		}
	}
	record(OutcomeError)
	m := *n
	m.Now = func() time.Time { return now.Add(ErrorTTL) }
	if fresh, _ := m.Fresh(); fresh {
		t.Error("an error is believed past ErrorTTL")
	}
	writeFile(t, n.Path, string(n.Entry(OutcomeAbsent)), 0o644)
	if fresh, _ := n.Fresh(); fresh {
		t.Error("an entry others can read or write is believed")
	}
}
