package creds

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// login is a credentials file as claude writes it, expiring at exp.
func login(access, refresh string, exp time.Time) string {
	return `{"claudeAiOauth":{"accessToken":"` + access + `","refreshToken":"` + refresh + `","expiresAt":` +
		itoa64(exp.UnixMilli()) + `,"scopes":["user:inference","user:profile"],"subscriptionType":"max"}}`
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

const (
	access  = "sk-ant-oat01-TESTaccess"
	refresh = "sk-ant-ort01-TESTrefresh"
)

func TestCheck(t *testing.T) {
	later, earlier := now.Add(8*time.Hour), now.Add(-time.Hour)
	for _, tc := range []struct {
		name, data string
		state      State
		damage     string
	}{
		{"good", login(access, refresh, later), Valid, ""},
		{"access token expired, refresh token good: healthy", login(access, refresh, earlier), Expired, ""},
		{"the race victim: refresh token emptied", login(access, "", earlier), Damaged, "refresh token emptied"},
		{"tokens blanked, expiresAt 0", `{"claudeAiOauth":{"accessToken":"","refreshToken":"","expiresAt":0,"scopes":["user:inference"]}}`, Damaged, "tokens blanked, expiresAt is 0"},
		{"scopes gone (#85262)", `{"claudeAiOauth":{"accessToken":"a","refreshToken":"r","expiresAt":1}}`, Damaged, "scopes missing"},
		{"no inference scope", `{"claudeAiOauth":{"accessToken":"a","refreshToken":"r","expiresAt":99999999999999,"scopes":["user:profile"]}}`, Damaged, "no user:inference scope"},
		{"empty file", "", Damaged, "the file is empty"},
		{"whitespace", " \n", Damaged, "the file is empty"},
		{"not JSON", "{\"claudeAiOauth\":", Damaged, "not JSON"},
		{"wrong type", `{"claudeAiOauth":{"accessToken":5}}`, Damaged, "wrong type"},
		{"no login", `{"other":1}`, Damaged, "no claudeAiOauth login in it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Check([]byte(tc.data), now)
			if v.State != tc.state || !strings.Contains(strings.Join(v.Damage, ", "), tc.damage) {
				t.Errorf("Check = %s %q, want %s %q", v.State, v.Damage, tc.state, tc.damage)
			}
			if strings.Contains(v.String(), "TEST") {
				t.Errorf("verdict leaks a token: %s", v)
			}
		})
	}
}

func FuzzCheck(f *testing.F) {
	f.Add([]byte(login(access, refresh, now)))
	f.Add([]byte(`{"claudeAiOauth":{"accessToken":"","refreshToken":"","expiresAt":0}}`))
	f.Add([]byte(`{"claudeAiOauth":null}`))
	f.Add([]byte("\x00{"))
	known := regexp.MustCompile(`^(the file is empty|not JSON \(at byte \d+\)|not the JSON claude writes \(a field has the wrong type\)|no claudeAiOauth login in it|tokens blanked|refresh token emptied|access token emptied|expiresAt missing|expiresAt is 0|scopes missing|no user:inference scope)$`)
	f.Fuzz(func(t *testing.T, data []byte) {
		v := Check(data, now)
		if v.State == Damaged && len(v.Damage) == 0 || v.State != Damaged && len(v.Damage) > 0 {
			t.Fatalf("state %s with damage %q", v.State, v.Damage)
		}
		for _, d := range v.Damage {
			if !known.MatchString(d) { // never a piece of the file: it may hold a token
				t.Fatalf("unknown damage text %q", d)
			}
		}
	})
}

func newGuard(t *testing.T) *Guard {
	t.Helper()
	dir := filepath.Join(t.TempDir(), ".claude")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	tick := now
	return &Guard{Dir: dir, Backups: filepath.Join(t.TempDir(), "backups"), Keep: 3, Now: func() time.Time { tick = tick.Add(time.Second); return tick }}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestGuardBacksUpAndRestores(t *testing.T) {
	ctx := context.Background()
	g := newGuard(t)
	r, err := g.Run(ctx)
	if err != nil || r.Verdict.State != Missing || r.BackedUp != "" {
		t.Fatalf("logged out: %+v %v", r, err)
	}
	good := login(access, refresh, now.Add(8*time.Hour))
	write(t, g.File(), good)
	r, err = g.Run(ctx)
	if err != nil || r.Verdict.State != Valid || r.BackedUp == "" {
		t.Fatalf("first: %+v %v", r, err)
	}
	if r, _ = g.Run(ctx); r.BackedUp != "" {
		t.Error("an unchanged state was backed up again")
	}
	for i := range 5 {
		write(t, g.File(), login(access+itoa64(int64(i)), refresh, now.Add(8*time.Hour)))
		if r, _ = g.Run(ctx); r.BackedUp == "" {
			t.Fatal("a new state was not backed up")
		}
	}
	if names, _ := g.list(false); len(names) != 3 {
		t.Errorf("%d backups kept, want 3", len(names))
	}
	newest := login(access+"4", refresh, now.Add(8*time.Hour))

	// The race victim's file: restored from the newest backup, loudly.
	victim := login(access, "", now.Add(-time.Hour))
	write(t, g.File(), victim)
	r, err = g.Run(ctx)
	if err != nil || r.Verdict.State != Damaged || r.Restored == "" || r.After.State != Valid {
		t.Fatalf("restore: %+v %v", r, err)
	}
	if b, _ := os.ReadFile(g.File()); string(b) != newest {
		t.Error("not the newest backup")
	}
	if fi, _ := os.Stat(g.File()); fi.Mode().Perm() != 0o600 {
		t.Errorf("restored file mode %v", fi.Mode())
	}
	assertNoTemp(t, g.Dir)
	for _, lock := range []string{filepath.Join(g.Dir, ClaudeLockName), g.Dir + ".lock"} {
		if _, err := os.Stat(lock); !os.IsNotExist(err) {
			t.Errorf("claude's lock %s left behind", lock)
		}
	}

	// The restored login is damaged again before it ever refreshed: its
	// refresh token was dead. Neither it nor an older backup is restored
	// again, nor is the restored state backed up anew: only a new login
	// helps, and the report says so.
	if r, _ = g.Run(ctx); r.BackedUp != "" {
		t.Error("the restored state was backed up again")
	}
	write(t, g.File(), victim)
	r, err = g.Run(ctx)
	if err != nil || r.Restored != "" || !r.NoBackup {
		t.Fatalf("second damage: %+v %v", r, err)
	}
	if b, _ := os.ReadFile(g.File()); string(b) != victim {
		t.Error("the file was changed without a backup to restore")
	}
	// A healthy state after it (claude refreshed, or a new login) is
	// backed up and restorable again.
	fresh := login(access+"new", refresh+"new", now.Add(8*time.Hour))
	write(t, g.File(), fresh)
	if r, _ = g.Run(ctx); r.BackedUp == "" {
		t.Fatal("a new state after a restore was not backed up")
	}
	write(t, g.File(), victim)
	if r, err = g.Run(ctx); err != nil || r.Restored == "" {
		t.Fatalf("restore of the new state: %+v %v", r, err)
	}
	if b, _ := os.ReadFile(g.File()); string(b) != fresh {
		t.Error("not the new state")
	}
	if names, _ := g.list(true); len(names) > 3 {
		t.Errorf("%d backups kept, spent ones included; want at most 3", len(names))
	}
}

// TestGuardNeverRenamesOverAChangedFile: claude writes the file after it
// was judged: its file stays.
func TestGuardNeverRenamesOverAChangedFile(t *testing.T) {
	g := newGuard(t)
	write(t, g.File(), login(access, refresh, now.Add(8*time.Hour)))
	if _, err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	write(t, g.File(), login(access, "", now))
	fresh := login("sk-ant-oat01-TESTfresh", "sk-ant-ort01-TESTfresh", now.Add(8*time.Hour))
	testHookBeforeReplace = func() { write(t, g.File(), fresh) }
	t.Cleanup(func() { testHookBeforeReplace = nil })
	_, err := g.Run(context.Background())
	if !errors.Is(err, ErrChanged) {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(g.File()); string(b) != fresh {
		t.Error("claude's write was replaced")
	}
	assertNoTemp(t, g.Dir)
}

// TestGuardWaitsForClaudesLock: while a live claude holds its refresh
// lock (its mtime kept fresh) the file is not touched; a lock no live
// claude keeps is named as such, with the way to clear it; a lock is
// broken only when claude's own rule calls it stale, and an owner file
// left beside it goes with it.
func TestGuardWaitsForClaudesLock(t *testing.T) {
	g := newGuard(t)
	write(t, g.File(), login(access, refresh, now.Add(8*time.Hour)))
	if _, err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	victim := login(access, "", now)
	write(t, g.File(), victim)
	lock := filepath.Join(g.Dir, ClaudeLockName)
	if err := os.Mkdir(lock, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		mtime time.Duration
		want  string
	}{
		{"a live claude refreshing", 0, "claude holds its refresh lock"},
		{"left, younger than claude's stale time", -30 * time.Second, "ago by a claude that is gone: the next claude takes it over; if no claude is refreshing now, run `rmdir " + lock + "`"},
		{"dated ahead", time.Hour, "in the future, and no claude keeps it: it fails the refreshes of every claude that cannot tell its holder is gone (claude-code #95739); if no claude is refreshing now, run `rmdir " + lock + "`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := time.Now().Add(tc.mtime)
			if err := os.Chtimes(lock, m, m); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			_, err := g.Run(ctx)
			if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, ErrClaudeBusy) != (tc.mtime == 0) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
			if b, _ := os.ReadFile(g.File()); string(b) != victim {
				t.Error("touched while the lock was held")
			}
		})
	}
	// Older than claude's stale time: broken, as claude breaks it.
	write(t, filepath.Join(g.Dir, ClaudeLockName+".owner"), `{"pid":1}`)
	old := time.Now().Add(-2 * ClaudeLockStale)
	if err := os.Chtimes(lock, old, old); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if r, err := g.Run(ctx); err != nil || r.Restored == "" || r.ClearedLock != lock {
		t.Fatalf("stale lock: %+v %v", r, err)
	}
	for _, p := range []string{lock, lock + ".owner"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s left behind", p)
		}
	}
}

// TestLockProblems: status's words for claude's lock, from its mtime
// alone: a lock held by no live claude is never "claude holds" it.
func TestLockProblems(t *testing.T) {
	dir := t.TempDir()
	if l, err := InspectLock(dir); err != nil || l.Held || l.Problem(time.Now()) != "" {
		t.Fatalf("no lock: %+v %v", l, err)
	}
	lock := filepath.Join(dir, ClaudeLockName)
	legacy := filepath.Clean(dir) + ".lock"
	t.Cleanup(func() { os.Remove(legacy) })
	for _, tc := range []struct {
		name  string
		path  string
		mtime time.Duration
		want  string
	}{
		{"a live claude refreshing", lock, -3 * time.Second, ""},
		{"left, young", lock, -30 * time.Second, "by a claude that is gone: the next claude takes it over; if no claude is refreshing now, run `rmdir " + lock + "`"},
		{"left, stale", lock, -2 * time.Minute, "ago by a claude that is gone: claude takes it over, and `claude-auth-sync sync` clears it"},
		{"in the future", lock, time.Hour, "in the future, and no claude keeps it"},
		{"an older claude's legacy lock, stale", legacy, -2 * time.Minute, "claude's refresh lock " + legacy + " was left 2m0s ago"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(lock)
			if err := os.Mkdir(tc.path, 0o700); err != nil && !os.IsExist(err) {
				t.Fatal(err)
			}
			m := time.Now().Add(tc.mtime)
			if err := os.Chtimes(tc.path, m, m); err != nil {
				t.Fatal(err)
			}
			l, err := InspectLock(dir)
			if err != nil || !l.Held || l.Live(time.Now()) != (tc.want == "") {
				t.Fatalf("%+v %v", l, err)
			}
			got := l.Problem(time.Now())
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("problem %q, want %q", got, tc.want)
			}
		})
	}
}

// TestClaudesFilesNeverBlock: a named pipe where claude keeps its lock's
// owner file, or its credentials file, is never opened for reading:
// judging the lock, the file and the guard's run return at once.
func TestClaudesFilesNeverBlock(t *testing.T) {
	g := newGuard(t)
	lock := filepath.Join(g.Dir, ClaudeLockName)
	if err := os.Mkdir(lock, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{lock + ".owner", g.File()} {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		l, _ := InspectLock(g.Dir)
		_ = l.Problem(time.Now())
		_, err := g.Run(context.Background())
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, token.ErrInsecureFile) || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("err = %v, want the credentials file refused as a named pipe", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading claude's files waits on a named pipe")
	}
}

// TestLargeFileBackedUpOnce: a credentials file over 1 MiB (many MCP
// entries) is read, backed up and restored under one bound: backed up
// once, and restored when a race damages it.
func TestLargeFileBackedUpOnce(t *testing.T) {
	g := newGuard(t)
	mcp := `"mcpOAuth":{"big":"` + strings.Repeat("x", 2<<20) + `"},`
	big := func(s string) string { return strings.Replace(s, "{", "{"+mcp, 1) }
	write(t, g.File(), big(login(access, refresh, now.Add(8*time.Hour))))
	for i := range 2 {
		if r, err := g.Run(context.Background()); err != nil || (r.BackedUp != "") != (i == 0) {
			t.Fatalf("run %d: backed up %q, %v; want a backup on the first run only", i, r.BackedUp, err)
		}
	}
	write(t, g.File(), big(login(access, "", now)))
	if r, err := g.Run(context.Background()); err != nil || r.Restored == "" || r.NoBackup {
		t.Fatalf("a damaged large file: %+v %v; want it restored", r, err)
	}
	write(t, g.File(), big(login(access, refresh, now.Add(8*time.Hour)))+strings.Repeat(" ", MaxFileSize))
	if _, err := g.Run(context.Background()); !errors.Is(err, token.ErrInsecureFile) || !strings.Contains(err.Error(), "larger than 16 MiB") {
		t.Errorf("a file past the bound: %v", err)
	}
}

func TestGuardRefuses(t *testing.T) {
	g := newGuard(t)
	real := filepath.Join(t.TempDir(), "elsewhere.json")
	write(t, real, login(access, "", now))
	if err := os.Symlink(real, g.File()); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Run(context.Background()); !errors.Is(err, token.ErrInsecureFile) || !strings.Contains(err.Error(), "leaves it alone") {
		t.Errorf("symlink: %v", err)
	}
	if os.Geteuid() == 0 {
		os.Remove(g.File())
		write(t, g.File(), login(access, "", now))
		if err := os.Chown(g.File(), 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, err := g.Run(context.Background()); !errors.Is(err, token.ErrInsecureFile) || !strings.Contains(err.Error(), "owned by uid 65534") {
			t.Errorf("another user's: %v", err)
		}
	}
	// Damaged with no backup: nothing to restore, said so.
	g2 := newGuard(t)
	write(t, g2.File(), login(access, "", now))
	if r, err := g2.Run(context.Background()); err != nil || !r.NoBackup {
		t.Errorf("no backup: %+v %v", r, err)
	}
}

// TestClaudeLockMatchesInstalledCLI re-reads, from the installed claude,
// the refresh lock this package takes (the facts file's third-party
// readings may go stale with any release).
func TestClaudeLockMatchesInstalledCLI(t *testing.T) {
	claude := testenv.Claude(t)
	real, err := filepath.EvalSymlinks(claude)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("grep", "-a", "-o", `lockfilePath:[A-Za-z0-9_$]*([A-Za-z0-9_$]*,"\.oauth_refresh\.lock"),realpath:!1,stale:[0-9e]*`, real).Output()
	if err != nil {
		t.Fatalf("the installed claude no longer takes %s as this package expects: %v", ClaudeLockName, err)
	}
	if !strings.Contains(string(out), "stale:60000") && !strings.Contains(string(out), "stale:6e4") {
		t.Errorf("claude's lock options changed: %s", out)
	}
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".restore") || strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestRestoreKeepsOtherEntries: a restore puts back the login, and only
// the login: an MCP server's OAuth entry added since the backup, and any
// other entry, stay as they are now.
func TestRestoreKeepsOtherEntries(t *testing.T) {
	g := newGuard(t)
	good := login(access, refresh, now.Add(8*time.Hour))
	write(t, g.File(), good)
	if _, err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	mcp := `"mcpOAuth":{"github|abc":{"serverName":"github","accessToken":"gho_TESTmcp","expiresAt":1900000000000}}`
	damaged := strings.Replace(login(access, "", now), "{", "{"+mcp+",", 1)
	write(t, g.File(), damaged)
	r, err := g.Run(context.Background())
	if err != nil || r.Restored == "" {
		t.Fatalf("%+v %v", r, err)
	}
	b, _ := os.ReadFile(g.File())
	var got, want map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(good), &want)
	if !reflect.DeepEqual(got["claudeAiOauth"], want["claudeAiOauth"]) {
		t.Errorf("login not restored: %s", b)
	}
	if got["mcpOAuth"] == nil {
		t.Errorf("the MCP entry added since the backup was lost: %s", b)
	}
	if r.After.State != Valid {
		t.Errorf("after: %v", r.After)
	}
	// A file that is no JSON object at all has nothing to keep.
	write(t, g.File(), login(access, refresh, now.Add(9*time.Hour)))
	_, _ = g.Run(context.Background())
	write(t, g.File(), "not json")
	if r, err := g.Run(context.Background()); err != nil || r.Restored == "" || r.After.State != Valid {
		t.Fatalf("unparsable file: %+v %v", r, err)
	}
}
