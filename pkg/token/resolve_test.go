package token

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testConfig is a Config whose files live in a fresh directory, with a
// Vault token in the environment unless noVault.
func testConfig(t *testing.T) (Config, func(string) string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "claude-auth-sync")
	env := map[string]string{"HOME": t.TempDir(), "VAULT_TOKEN": "vault-token", "VAULT_ADDR": "http://127.0.0.1:1"}
	getenv := func(k string) string { return env[k] }
	c, problems := ConfigFromEnv(getenv)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	c.EnvFile = filepath.Join(dir, "claude-oauth.env")
	return c, getenv
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
		c, getenv := testConfig(t)
		c.Disabled = true
		r := Resolver{Config: c, Getenv: getenv, Fetch: func(time.Time) error { t.Fatal("fetched"); return nil }}
		res, err := r.Resolve()
		if err != nil || res.Source != SourceDisabled || !res.Token.IsZero() {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("env file wins without a fetch", func(t *testing.T) {
		c, getenv := testConfig(t)
		if err := WriteEnvFile(c.EnvFile, secret(t)); err != nil {
			t.Fatal(err)
		}
		r := Resolver{Config: c, Getenv: getenv, Fetch: func(time.Time) error { t.Fatal("fetched"); return nil }}
		res, err := r.Resolve()
		if err != nil || res.Source != SourceEnvFile || res.Token.Reveal() != testToken {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("unsafe env file is refused, no fetch", func(t *testing.T) {
		c, getenv := testConfig(t)
		if err := WriteEnvFile(c.EnvFile, secret(t)); err != nil {
			t.Fatal(err)
		}
		os.Chmod(c.EnvFile, 0o644)
		r := Resolver{Config: c, Getenv: getenv, Fetch: func(time.Time) error { t.Fatal("fetched"); return nil }}
		res, err := r.Resolve()
		if !errors.Is(err, ErrInsecureFile) || res.Source != SourceNone || !res.Token.IsZero() {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("miss fetches then reads", func(t *testing.T) {
		c, getenv := testConfig(t)
		r := Resolver{Config: c, Getenv: getenv, Fetch: func(deadline time.Time) error {
			if left := time.Until(deadline); left <= 0 || left > c.VaultTimeout {
				t.Errorf("fetch deadline %s away, want within %s", left, c.VaultTimeout)
			}
			return WriteEnvFile(c.EnvFile, secret(t))
		}}
		res, err := r.Resolve()
		if err != nil || res.Source != SourceVault || res.Token.Reveal() != testToken {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("no vault token: no fetch, no sound", func(t *testing.T) {
		c, _ := testConfig(t)
		r := Resolver{Config: c, Getenv: func(string) string { return "" }, Fetch: func(time.Time) error { t.Fatal("fetched"); return nil }}
		res, err := r.Resolve()
		if err != nil || res.Source != SourceNone {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("fresh negative result: no fetch", func(t *testing.T) {
		c, getenv := testConfig(t)
		if err := PrivateDir(filepath.Dir(c.EnvFile)); err != nil {
			t.Fatal(err)
		}
		if err := NewNegativeCache(c).Record(OutcomeAbsent); err != nil {
			t.Fatal(err)
		}
		r := Resolver{Config: c, Getenv: getenv, Fetch: func(time.Time) error { t.Fatal("fetched"); return nil }}
		res, err := r.Resolve()
		if err != nil || res.Source != SourceNone {
			t.Fatalf("%+v %v", res, err)
		}
	})
	t.Run("failed fetch is a warning", func(t *testing.T) {
		c, getenv := testConfig(t)
		r := Resolver{Config: c, Getenv: getenv, Fetch: func(time.Time) error { return errors.New("unreachable") }}
		res, err := r.Resolve()
		if err == nil || res.Source != SourceNone || !res.Token.IsZero() {
			t.Fatalf("%+v %v", res, err)
		}
	})
}

func TestSync(t *testing.T) {
	ctx := context.Background()
	found := func(s Secret) Lookup { return func(context.Context) (Secret, error) { return s, nil } }
	absent := func(context.Context) (Secret, error) { return Secret{}, ErrNoToken }
	broken := func(context.Context) (Secret, error) { return Secret{}, errors.New("503") }

	c, _ := testConfig(t)
	s := secret(t)
	res, err := Sync(ctx, c, found(s), false)
	if err != nil || res.Action != ActionWritten {
		t.Fatalf("first sync: %+v %v", res, err)
	}
	if res, _ = Sync(ctx, c, found(s), false); res.Action != ActionUnchanged {
		t.Errorf("second sync: %+v", res)
	}
	before, _ := os.ReadFile(c.EnvFile)
	if _, err := Sync(ctx, c, broken, false); err == nil {
		t.Error("a failed look-up is no error")
	}
	after, _ := os.ReadFile(c.EnvFile)
	if string(before) != string(after) {
		t.Error("a failed look-up changed the env file")
	}
	if res, _ = Sync(ctx, c, absent, true); res.Action != ActionPresent {
		t.Errorf("on-miss with a file present: %+v", res)
	}
	if res, _ = Sync(ctx, c, absent, false); res.Action != ActionRemoved {
		t.Errorf("absent: %+v", res)
	}
	if _, err := os.Stat(c.EnvFile); !os.IsNotExist(err) {
		t.Error("env file still there after an authoritative none")
	}
	if fresh, o := NewNegativeCache(c).Fresh(); !fresh || o != OutcomeAbsent {
		t.Error("no negative result recorded")
	}
	if res, _ = Sync(ctx, c, found(s), true); res.Action != ActionCached {
		t.Errorf("on-miss with a fresh negative result: %+v", res)
	}
	if res, _ = Sync(ctx, c, found(s), false); res.Action != ActionWritten {
		t.Errorf("full sync ignores the negative result: %+v", res)
	}
	if fresh, _ := NewNegativeCache(c).Fresh(); fresh {
		t.Error("negative result survives a found token")
	}
}

// TestSyncConcurrentOnMiss: many launchers missing at once do one look-up.
func TestSyncConcurrentOnMiss(t *testing.T) {
	c, _ := testConfig(t)
	var lookups atomic.Int32
	lookup := func(context.Context) (Secret, error) {
		lookups.Add(1)
		time.Sleep(20 * time.Millisecond)
		return secret(t), nil
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := Sync(context.Background(), c, lookup, true); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := lookups.Load(); n != 1 {
		t.Errorf("%d look-ups, want 1", n)
	}
}

func TestNegativeCache(t *testing.T) {
	c, _ := testConfig(t)
	if err := PrivateDir(filepath.Dir(c.EnvFile)); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_000_000, 0)
	n := NewNegativeCache(c)
	n.Now = func() time.Time { return now }
	if fresh, _ := n.Fresh(); fresh {
		t.Error("fresh before any record")
	}
	n.Record(OutcomeAbsent)
	for _, tc := range []struct {
		after time.Duration
		key   string
		fresh bool
	}{
		{0, n.Key, true}, {c.NegativeTTL - time.Second, n.Key, true}, {c.NegativeTTL, n.Key, false},
		{-time.Hour, n.Key, false}, {0, n.Key + "x", false},
	} {
		m := *n
		m.Key = tc.key
		m.Now = func() time.Time { return now.Add(tc.after) }
		if fresh, _ := m.Fresh(); fresh != tc.fresh {
			t.Errorf("after %s key %q: fresh = %v", tc.after, tc.key, fresh)
		}
	}
	n.Record(OutcomeError)
	m := *n
	m.Now = func() time.Time { return now.Add(ErrorTTL) }
	if fresh, _ := m.Fresh(); fresh {
		t.Error("an error is believed past ErrorTTL")
	}
	if err := n.Clear(); err != nil {
		t.Fatal(err)
	}
	if fresh, _ := n.Fresh(); fresh {
		t.Error("fresh after Clear")
	}
	if fi, _ := os.Stat(c.NegativeCacheFile()); fi != nil {
		t.Error("file left after Clear")
	}
}

func TestLockTimesOut(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lock")
	unlock, err := Lock(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := Lock(ctx, p); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second lock: %v", err)
	}
	unlock()
	unlock2, err := Lock(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	unlock2()
}
