package creds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
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
	if names, _ := g.backups(); len(names) != 3 {
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

// TestGuardWaitsForClaudesLock: while claude holds its refresh lock the
// file is not touched; a lock is broken only when it is stale under
// claude's own rules: older than its stale time, and its holder, named by
// the owner file, provably dead.
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
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := g.Run(ctx); !errors.Is(err, ErrClaudeBusy) {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(g.File()); string(b) != victim {
		t.Error("touched while claude held its lock")
	}
	// Old, but nobody says its holder is dead: never broken.
	old := time.Now().Add(-2 * ClaudeLockStale)
	if err := os.Chtimes(lock, old, old); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := g.Run(ctx); !errors.Is(err, ErrClaudeBusy) {
		t.Fatalf("a lock without an owner file was broken: err = %v", err)
	}
	// Its holder alive (this test): never broken.
	writeOwner(t, g.Dir, os.Getpid(), pidDomain(pidNamespace()))
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := g.Run(ctx); !errors.Is(err, ErrClaudeBusy) {
		t.Fatalf("a live holder's lock was broken: err = %v", err)
	}
	// A dead holder, but the lock younger than claude's stale time: kept.
	dead := deadPID(t)
	writeOwner(t, g.Dir, dead, pidDomain(pidNamespace()))
	if err := os.Chtimes(lock, time.Now(), time.Now()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := g.Run(ctx); !errors.Is(err, ErrClaudeBusy) {
		t.Fatalf("a young lock was broken: err = %v", err)
	}
	// Dead holder, old lock: broken, as claude breaks it.
	if err := os.Chtimes(lock, old, old); err != nil {
		t.Fatal(err)
	}
	if r, err := g.Run(context.Background()); err != nil || r.Restored == "" || r.ClearedLock != lock {
		t.Fatalf("stale lock: %+v %v", r, err)
	}
	for _, p := range []string{lock, filepath.Join(g.Dir, ClaudeLockOwner)} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s left behind", p)
		}
	}
}

// TestLockProblems: status's words for claude's lock.
func TestLockProblems(t *testing.T) {
	dir := t.TempDir()
	if l, err := InspectLock(dir); err != nil || l.Held || l.Problem(time.Now()) != "" {
		t.Fatalf("no lock: %+v %v", l, err)
	}
	lock := filepath.Join(dir, ClaudeLockName)
	if err := os.Mkdir(lock, 0o700); err != nil {
		t.Fatal(err)
	}
	dead := deadPID(t)
	for _, tc := range []struct {
		name  string
		mtime time.Duration
		pid   int
		want  string
	}{
		{"a live claude refreshing", 0, os.Getpid(), ""},
		{"dead holder, young", -10 * time.Second, dead, ""},
		{"dead holder, stale", -2 * time.Minute, dead, "`claude-auth-sync sync` clears it"},
		{"live holder, old", -2 * time.Minute, os.Getpid(), "is still running; if no claude is refreshing now, run `rmdir"},
		// A dead holder's lock, dated ahead: the next claude takes it over.
		{"in the future, holder dead", time.Hour, dead, ""},
		{"in the future, holder alive", time.Hour, os.Getpid(), "in the future, and its holder, process " + strconv.Itoa(os.Getpid()) + ", is still running: no claude may refresh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeOwner(t, dir, tc.pid, pidDomain(pidNamespace()))
			m := time.Now().Add(tc.mtime)
			if err := os.Chtimes(lock, m, m); err != nil {
				t.Fatal(err)
			}
			l, err := InspectLock(dir)
			if err != nil {
				t.Fatal(err)
			}
			got := l.Problem(time.Now())
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("problem %q, want %q", got, tc.want)
			}
		})
	}
	// Another machine's owner file: its holder cannot be told dead.
	writeOwner(t, dir, dead, "linux:0000:pid:[1]")
	if l, _ := InspectLock(dir); l.Holder != HolderUnknown {
		t.Errorf("another pid domain's holder judged %s", l.Holder)
	}
	old := time.Now().Add(-2 * ClaudeLockStale)
	_ = os.Chtimes(lock, old, old)
	if l, _ := InspectLock(dir); !strings.Contains(l.Problem(time.Now()), "nothing here can tell whether its holder lives") {
		t.Errorf("an unknown holder's old lock: %q", l.Problem(time.Now()))
	}
	// An older claude's legacy lock alone, old: named, with the fix.
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	legacy := legacyLock(dir)
	if err := os.Mkdir(legacy, 0o700); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(legacy)
	_ = os.Chtimes(legacy, old, old)
	if l, _ := InspectLock(dir); !strings.Contains(l.Problem(time.Now()), "legacy refresh lock "+legacy) {
		t.Errorf("an old legacy lock: %q", l.Problem(time.Now()))
	}
}

// writeOwner writes claude's owner file for pid, as claude 2.1.332 does.
func writeOwner(t *testing.T, dir string, pid int, domain string) {
	t.Helper()
	start, _ := procStart(pid)
	b := fmt.Sprintf(`{"pid":%d,"procStart":%q,"pidDomain":%q,"pidSpace":%q,"lockBirthtimeMs":1796120379239.166}`, pid, start, domain, "vm#"+pidNamespace())
	if err := os.WriteFile(filepath.Join(dir, ClaudeLockOwner), []byte(b), 0o600); err != nil {
		t.Fatal(err)
	}
}

// deadPID is the PID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	c := exec.Command("true")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	return c.Process.Pid
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
