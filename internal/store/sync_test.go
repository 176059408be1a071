package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// testConfig is the default settings with the env file in a fresh
// directory.
func testConfig(t *testing.T) *config.Config {
	t.Helper()
	c, problems := config.Load(config.Input{Environ: []string{"HOME=" + t.TempDir(), "VAULT_ADDR=http://127.0.0.1:1"}, NoFile: true})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	c.EnvFile = filepath.Join(t.TempDir(), "claude-auth-sync", "claude-oauth.env")
	return &c
}

func TestSync(t *testing.T) {
	ctx := context.Background()
	found := func(s token.Secret) Lookup { return func(context.Context) (token.Secret, error) { return s, nil } }
	absent := func(context.Context) (token.Secret, error) { return token.Secret{}, token.ErrNoToken }
	broken := func(context.Context) (token.Secret, error) { return token.Secret{}, errors.New("503") }

	c := testConfig(t)
	s := secret(t, testToken)
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
	if fresh, o := c.NegativeCache().Fresh(); !fresh || o != token.OutcomeAbsent {
		t.Error("no negative result recorded")
	}
	if res, _ = Sync(ctx, c, found(s), true); res.Action != ActionCached {
		t.Errorf("on-miss with a fresh negative result: %+v", res)
	}
	if res, _ = Sync(ctx, c, found(s), false); res.Action != ActionWritten {
		t.Errorf("full sync ignores the negative result: %+v", res)
	}
	if fresh, _ := c.NegativeCache().Fresh(); fresh {
		t.Error("negative result survives a found token")
	}
}

// TestSyncConcurrentOnMiss: many launchers missing at once do one look-up.
func TestSyncConcurrentOnMiss(t *testing.T) {
	c := testConfig(t)
	var lookups atomic.Int32
	lookup := func(context.Context) (token.Secret, error) {
		lookups.Add(1)
		time.Sleep(20 * time.Millisecond)
		return secret(t, testToken), nil
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

// TestSyncBoundIncludesLockWait: with the lock held elsewhere, Sync gives up
// when its context ends, without asking the source.
func TestSyncBoundIncludesLockWait(t *testing.T) {
	c := testConfig(t)
	if err := EnsureDir(filepath.Dir(c.EnvFile), EnvFileHint); err != nil {
		t.Fatal(err)
	}
	unlock, err := Lock(context.Background(), c.LockFile())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = Sync(ctx, c, func(context.Context) (token.Secret, error) {
		t.Error("looked up without the lock")
		return token.Secret{}, nil
	}, false)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the deadline", err)
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
