package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStateUpdates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", StateFile)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := UpdateState(ctx, path, func(s *State) error { s.SyncFailures++; return nil }); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	s, err := LoadState(path)
	if err != nil || s.SyncFailures != 20 {
		t.Fatalf("state = %+v, %v; want 20 failures counted", s, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}

	// A corrupt state file is set aside, not lost, and counting restarts.
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	warn, err := UpdateState(ctx, path, func(s *State) error { s.Restores++; return nil })
	if err != nil || warn == nil || !strings.Contains(warn.Error(), "set aside as state.json.corrupt") {
		t.Fatalf("corrupt: %v %v", warn, err)
	}
	if b, _ := os.ReadFile(path + ".corrupt"); string(b) != "{not json" {
		t.Error("the corrupt file was not kept")
	}
	if s, _ := LoadState(path); s.Restores != 1 || s.SyncFailures != 0 {
		t.Errorf("after a corrupt file: %+v", s)
	}
}

func TestParseState(t *testing.T) {
	ok := `{"version":1,"setup_token":{"fingerprint":"3f9a","secret_version":2,"fetched_at":"2026-11-28T12:00:00Z","expires_at":"2027-11-28T12:00:00Z","expiry_source":"expires_at field"},"last_success":"2026-11-28T12:00:00Z","sync_failures_total":3,"restores_total":1}`
	s, err := ParseState([]byte(ok))
	if err != nil || s.Token.SecretVersion != 2 || !s.Token.ExpiresAt.Equal(time.Date(2027, 11, 28, 12, 0, 0, 0, time.UTC)) || s.SyncFailures != 3 {
		t.Fatalf("%+v %v", s, err)
	}
	for _, bad := range []string{`{"version":2}`, `{"version":1,"token":"x"}`, `[]`, `{"version":"1"}`} {
		if _, err := ParseState([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func FuzzParseState(f *testing.F) {
	f.Add([]byte(`{"version":1,"sync_failures_total":3}`))
	f.Add([]byte(`{"version":1,"setup_token":{"fingerprint":"x","fetched_at":"2026-11-28T12:00:00Z"}}`))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseState(data)
		if err == nil && s.Version != stateVersion {
			t.Fatalf("accepted version %d", s.Version)
		}
	})
}
