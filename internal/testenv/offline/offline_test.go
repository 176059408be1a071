package offline

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/creds"
	"github.com/claude-launch/claude-launch/internal/testenv"
)

// login reads a credentials file's claudeAiOauth entry.
func login(t *testing.T, dir string) (access, refresh string, expiresAt int64) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ".credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		OAuth struct {
			AccessToken  string `json:"accessToken"`
			RefreshToken string `json:"refreshToken"`
			ExpiresAt    int64  `json:"expiresAt"`
		} `json:"claudeAiOauth"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("credentials: %v: %s", err, b)
	}
	return f.OAuth.AccessToken, f.OAuth.RefreshToken, f.OAuth.ExpiresAt
}

// claude runs the real claude in h with a stored login in home/.claude.
func claude(t *testing.T, h *Harness, bin, home string, extra []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(h.Env(home, "/usr/bin:/bin"), extra...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := h.Run(cmd)
	return out.String(), err
}

// TestRealClaudeOffline pins what the harness and the lab rely on in the
// installed claude: it refreshes an expired stored login once, at the
// token endpoint's own URL, and writes the answer back; it refreshes 5
// minutes ahead of expiry; `claude --version` never refreshes and `claude
// auth status` does; with CLAUDE_CODE_OAUTH_TOKEN it leaves a stored login
// alone.
func TestRealClaudeOffline(t *testing.T) {
	bin := testenv.Claude(t)
	for _, tc := range []struct {
		name     string
		expires  time.Duration
		env      []string
		args     []string
		refresh  int
		messages int
	}{
		{"expired login, -p", -time.Hour, nil, []string{"-p", "hi"}, 1, 1},
		{"4 min to expiry, -p", 4 * time.Minute, nil, []string{"-p", "hi"}, 1, 1},
		{"6 min to expiry, -p", 6 * time.Minute, nil, []string{"-p", "hi"}, 0, 1},
		{"expired login, --version", -time.Hour, nil, []string{"--version"}, 0, 0},
		{"expired login, auth status", -time.Hour, nil, []string{"auth", "status", "--json"}, 1, 0},
		{"expired login, setup token, -p", -time.Hour, []string{"CLAUDE_CODE_OAUTH_TOKEN=SETUP"}, []string{"-p", "hi"}, 0, 1},
		{"expired login, setup token, auth status", -time.Hour, []string{"CLAUDE_CODE_OAUTH_TOKEN=SETUP"}, []string{"auth", "status", "--json"}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New(t, Options{})
			home := t.TempDir()
			dir := filepath.Join(home, ".claude")
			if err := h.WriteLogin(dir, time.Now().Add(tc.expires)); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(filepath.Join(dir, ".credentials.json"))
			env := tc.env
			if len(env) > 0 {
				env = []string{"CLAUDE_CODE_OAUTH_TOKEN=" + h.SetupToken()}
			}
			out, err := claude(t, h, bin, home, env, tc.args...)
			if err != nil {
				t.Fatalf("claude %v: %v\n%s", tc.args, err, out)
			}
			if n := h.Count(TokenPath); n != tc.refresh {
				t.Errorf("%d token requests, want %d: %+v", n, tc.refresh, h.Requests())
			}
			if n := h.Count("/v1/messages"); n != tc.messages {
				t.Errorf("%d Messages API calls, want %d", n, tc.messages)
			}
			after, _ := os.ReadFile(filepath.Join(dir, ".credentials.json"))
			if tc.refresh == 0 && !bytes.Equal(before, after) {
				t.Errorf("the stored login changed without a refresh:\n%s\n%s", before, after)
			}
			if tc.refresh == 1 {
				if _, r, exp := login(t, dir); !strings.HasSuffix(r, "-2") || exp < time.Now().Add(7*time.Hour).UnixMilli() {
					t.Errorf("after the refresh the file holds refresh token %q, expiresAt %d; want the rotated one, 8 h ahead", h.short(r), exp)
				}
			}
			for _, r := range h.Requests() {
				if strings.Contains(r.Refresh+r.Bearer, "sk-ant") {
					t.Errorf("the log holds a whole token: %+v", r)
				}
			}
		})
	}
}

// TestKilledRefresher is the race's worst case with the real claude: the
// process that refreshed is SIGKILLed after the endpoint rotated and
// before it wrote the file; the next claude presents the dead refresh
// token, gets invalid_grant and blanks the login.
func TestKilledRefresher(t *testing.T) {
	bin := testenv.Claude(t)
	h, killedPID := killOnce(t, AfterRotation)
	home := t.TempDir()
	dir := filepath.Join(home, ".claude")
	if err := h.WriteLogin(dir, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, oldRefresh, _ := login(t, dir)
	out, err := claude(t, h, bin, home, nil, "-p", "hi")
	killed := int(killedPID.Load())
	if err == nil || killed == 0 {
		t.Fatalf("the refresher was not killed (pid %d, err %v): %s", killed, err, out)
	}
	if _, r, _ := login(t, dir); r != oldRefresh {
		t.Fatalf("the killed refresher wrote the file")
	}
	out, err = claude(t, h, bin, home, nil, "-p", "hi")
	if err == nil {
		t.Errorf("the next claude succeeded on a rotated-away refresh token: %s", out)
	}
	a, r, exp := login(t, dir)
	if a != "" || r != "" || exp != 0 {
		t.Errorf("the next claude left access %q refresh %q expiresAt %d; want the blanked login", a, r, exp)
	}
	t.Logf("next claude: %s", strings.TrimSpace(out))
	t.Logf("requests: %+v", h.Requests())
}

// TestLockLeftBehind: a refresher killed before the endpoint rotated
// leaves claude's lock directory and its owner file behind, and loses
// nothing: the next claude takes the dead holder's lock over by itself
// (from its owner file) and refreshes with the refresh token that is
// still current. Once the dead holder's heartbeat has stopped for longer
// than a live one allows, status names the lock as left, not held.
func TestLockLeftBehind(t *testing.T) {
	bin := testenv.Claude(t)
	h, killedPID := killOnce(t, BeforeRotation)
	home := t.TempDir()
	dir := filepath.Join(home, ".claude")
	if err := h.WriteLogin(dir, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	out, err := claude(t, h, bin, home, nil, "-p", "hi")
	killed := int(killedPID.Load())
	if err == nil || killed == 0 {
		t.Fatalf("the refresher was not killed (pid %d, err %v): %s", killed, err, out)
	}
	owner, err := os.ReadFile(filepath.Join(dir, ".oauth_refresh.lock.owner"))
	if fi, lerr := os.Stat(filepath.Join(dir, ".oauth_refresh.lock")); lerr != nil || !fi.IsDir() || err != nil {
		t.Fatalf("no lock left behind: %v, %v", lerr, err)
	}
	t.Logf("owner file: %s", owner)
	time.Sleep(16 * time.Second) // past three of the dead holder's heartbeats
	if l, err := creds.InspectLock(dir); err != nil || !l.Held || l.Live(time.Now()) ||
		!strings.Contains(l.Problem(time.Now()), "by a claude that is gone: the next claude takes it over") {
		t.Errorf("InspectLock = %+v, %v, %q; want held, by no live claude", l, err, l.Problem(time.Now()))
	}
	start := time.Now()
	if out, err := claude(t, h, bin, home, nil, "-p", "hi"); err != nil {
		t.Fatalf("the next claude failed: %v\n%s", err, out)
	}
	t.Logf("the next claude took the dead holder's lock over and refreshed in %s", time.Since(start).Round(100*time.Millisecond))
	if _, r, _ := login(t, dir); !strings.HasSuffix(r, "-2") {
		t.Errorf("refresh token %q after the takeover, want the rotated one", h.short(r))
	}
}

// TestLockHeartbeat: while a live claude refreshes (the endpoint slow),
// its lock's mtime is kept fresh, so InspectLock names it live every time
// it is held and status says nothing of it.
func TestLockHeartbeat(t *testing.T) {
	bin := testenv.Claude(t)
	h := New(t, Options{LatencyBefore: 14 * time.Second})
	home := t.TempDir()
	dir := filepath.Join(home, ".claude")
	if err := h.WriteLogin(dir, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", "hi")
	cmd.Env = h.Env(home, "/usr/bin:/bin")
	if err := h.Start(cmd); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var held int
	mtimes := map[time.Time]bool{}
	for tick := time.NewTicker(500 * time.Millisecond); ; <-tick.C {
		select {
		case err := <-done:
			if err != nil || held < 20 || len(mtimes) < 3 {
				t.Fatalf("claude: %v; lock seen held %d times, with %d mtimes; want a 14 s refresh under a heartbeat", err, held, len(mtimes))
			}
			return
		default:
		}
		l, err := creds.InspectLock(dir)
		if err != nil || !l.Held {
			continue
		}
		held++
		mtimes[l.MTime] = true
		if !l.Live(time.Now()) || l.Problem(time.Now()) != "" {
			t.Errorf("a live claude's lock, touched %s ago, judged %q", time.Since(l.MTime), l.Problem(time.Now()))
		}
	}
}

// TestLockByClaudesRule: a lock with no owner file is judged by claude by
// its mtime alone. Older than claude's stale time it is taken over (the
// rule the guard breaks it by); dated in the future it blocks the refresh,
// and status names it with how to clear it.
func TestLockByClaudesRule(t *testing.T) {
	bin := testenv.Claude(t)
	for _, tc := range []struct {
		name    string
		mtime   time.Duration
		refresh int
	}{
		{"stale", -2 * creds.ClaudeLockStale, 1},
		{"in the future", time.Hour, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New(t, Options{})
			home := t.TempDir()
			dir := filepath.Join(home, ".claude")
			if err := h.WriteLogin(dir, time.Now().Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			lock := filepath.Join(dir, creds.ClaudeLockName)
			m := time.Now().Add(tc.mtime)
			if err := os.Mkdir(lock, 0o700); err != nil || os.Chtimes(lock, m, m) != nil {
				t.Fatal(err)
			}
			l, _ := creds.InspectLock(dir)
			problem := l.Problem(time.Now())
			out, err := claude(t, h, bin, home, nil, "-p", "hi")
			if n := h.Count(TokenPath); n != tc.refresh {
				t.Fatalf("%d token requests, want %d (claude: %v: %s)", n, tc.refresh, err, out)
			}
			if tc.refresh == 0 {
				if fi, serr := os.Stat(lock); serr != nil || !fi.ModTime().Equal(m) {
					t.Errorf("claude took the future-dated lock over: %v", serr)
				}
				if !strings.Contains(problem, "in the future, and no claude keeps it") || !strings.Contains(problem, "run `rmdir "+lock+"`") {
					t.Errorf("status says %q", problem)
				}
				t.Logf("claude with the lock dated ahead: %v: %s", err, strings.TrimSpace(out))
			}
		})
	}
}

// killOnce starts a harness whose hook SIGKILLs the first client that
// asks for a refresh, at the moment given; the PID it killed is kept.
func killOnce(t *testing.T, when Moment) (*Harness, *atomic.Int64) {
	killed := new(atomic.Int64)
	h := New(t, Options{Hook: func(at Moment, pid int) bool {
		if at != when || !killed.CompareAndSwap(0, int64(pid)) {
			return false
		}
		return Kill(pid) == nil
	}})
	return h, killed
}
