package creds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/claude-launch/claude-launch/internal/errs"
	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/pkg/token"
	"golang.org/x/sys/unix"
)

// testHookBeforeReplace, when set by a test, runs between judging a
// damaged file and replacing it: where claude could write it.
var testHookBeforeReplace func()

// FileName is the credentials file in claude's config directory.
const FileName = ".credentials.json"

// ErrChanged means the file changed between being judged and being
// replaced: claude (or a person) wrote it, so it was left as they left it.
var ErrChanged = errors.New("the credentials file changed while it was being restored")

// Guard keeps a rotating login in Dir.
type Guard struct {
	// Dir is claude's config directory: $CLAUDE_CONFIG_DIR or ~/.claude.
	Dir string
	// Backups is the private directory of backups.
	Backups string
	// Keep is how many backups are kept (at least 1).
	Keep int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Report is what a Guard run found and did.
type Report struct {
	// File is the credentials file.
	File string
	// Verdict is the file's state as found.
	Verdict Verdict
	// BackedUp is the backup written of a healthy file, "" for none.
	BackedUp string
	// Restored is the backup put back over a damaged file, "" for none;
	// After is then the file's state.
	Restored string
	After    Verdict
	// NoBackup is set when the file was damaged and no healthy backup was
	// there to restore (or the one there was restored once already, and
	// the login was damaged again): only a new login helps.
	NoBackup bool
	// ClearedLock is claude's refresh lock, cleared because it was stale
	// under claude's own rule (Lock.Stale), "" for none.
	ClearedLock string
}

// File is the credentials file Guard looks after.
func (g *Guard) File() string { return filepath.Join(g.Dir, FileName) }

func (g *Guard) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// Inspect judges the file without changing anything.
func (g *Guard) Inspect() (Verdict, []byte, error) {
	data, err := ReadFile(g.File())
	if errors.Is(err, fs.ErrNotExist) {
		return Verdict{State: Missing}, nil, nil
	}
	if err != nil {
		return Verdict{}, nil, err
	}
	return Check(data, g.now()), data, nil
}

// Run judges the file, backs up a healthy state that differs from the
// newest backup, and restores the newest healthy backup over a damaged
// file, under claude's refresh lock, waiting for it until ctx ends. A
// missing file (logged out) is left alone.
//
// A backup is restored once. Its refresh token may already have been
// rotated away (the race's loser blanks the file just after the winner
// wrote the new one, before any backup of it): then claude's next refresh
// with it fails and damages the file again. Restoring it again would keep
// the agents failing without ever telling the user to log in (and, where
// the server revokes the whole login on a reused refresh token, present
// a dead one again), so a restored backup, and every older one, is spent:
// the next damage without a healthy state in between reports NoBackup.
func (g *Guard) Run(ctx context.Context) (Report, error) {
	r := Report{File: g.File()}
	if l, err := InspectLock(g.Dir); err == nil && l.Stale(time.Now()) { // file times: the real clock
		// A lock older than claude's stale time: what the next claude
		// would break anyway, cleared now so that no agent waits on it.
		if release, err := claudeLocks(ctx, g.Dir); err == nil {
			release()
			r.ClearedLock = l.Path
		}
	}
	v, data, err := g.Inspect()
	r.Verdict = v
	if err != nil {
		return r, err
	}
	switch {
	case v.State.Healthy():
		r.BackedUp, err = g.backup(data)
		return r, err
	case v.State == Missing:
		return r, nil
	}
	name, good, err := g.newestHealthy()
	if err != nil {
		return r, err
	}
	if name == "" {
		r.NoBackup = true
		return r, nil
	}
	release, err := claudeLocks(ctx, g.Dir)
	if err != nil {
		return r, errs.Wrap("restore "+r.File+": ", err, "; left as it is until the next sync")
	}
	defer release()
	if testHookBeforeReplace != nil {
		testHookBeforeReplace()
	}
	restored := withLogin(data, good)
	if err := replaceIfUnchanged(r.File, data, restored); err != nil {
		return r, err
	}
	g.spend(name)
	r.Restored = name
	r.After = Check(restored, g.now())
	return r, nil
}

// withLogin is the damaged file with the backup's login put back and
// every other entry kept as it is now: claude keeps other secrets beside
// its login (MCP servers' OAuth logins, plugins'), which may be newer than
// the backup. A damaged file that is not a JSON object has nothing to
// keep: the backup replaces it whole.
func withLogin(damaged, backup []byte) []byte {
	var cur, old map[string]json.RawMessage
	if json.Unmarshal(damaged, &cur) != nil || cur == nil || json.Unmarshal(backup, &old) != nil || old[loginKey] == nil {
		return backup
	}
	if len(cur) == 1 && cur[loginKey] != nil || len(cur) == 0 {
		return backup // nothing beside the login: the backup, byte for byte
	}
	cur[loginKey] = old[loginKey]
	b, err := json.Marshal(cur)
	if err != nil {
		return backup
	}
	return b
}

// loginKey is the entry of the credentials file that holds claude's login.
const loginKey = "claudeAiOauth"

// ReadFile reads a credentials file (or a backup of one) as claude keeps
// it: a regular file of this user, not a symlink (claude replaces it by
// rename), opened without blocking, at most MaxFileSize. It refuses
// anything else with an error that says so and never holds a token.
func ReadFile(path string) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("credentials file %s: %w: it is a %s, not the regular file claude writes; claude-auth-sync leaves it alone",
			path, token.ErrInsecureFile, token.DescribeType(fi.Mode()))
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return nil, fmt.Errorf("credentials file %s: %w: it is owned by uid %d, not by you; claude-auth-sync leaves it alone",
			path, token.ErrInsecureFile, st.Uid)
	}
	b, err := ReadClaudes(path, syscall.O_NOFOLLOW)
	if err != nil {
		return nil, fmt.Errorf("credentials file %w; claude-auth-sync leaves it alone", err)
	}
	return b, nil
}

// ReadClaudes reads one of claude's files: a regular file, opened without
// blocking (and with flags), at most MaxFileSize, never read in part.
func ReadClaudes(path string, flags int) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|flags, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var b bytes.Buffer
	fi, err := f.Stat()
	switch {
	case err != nil:
	case !fi.Mode().IsRegular():
		err = fmt.Errorf("%w: it is a %s, not the regular file claude writes", token.ErrInsecureFile, token.DescribeType(fi.Mode()))
	default:
		if _, err = b.ReadFrom(io.LimitReader(f, MaxFileSize+1)); err == nil && b.Len() > MaxFileSize {
			err = fmt.Errorf("%w: it is larger than 16 MiB, which is not the file claude writes", token.ErrInsecureFile)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b.Bytes(), nil
}

// MaxFileSize bounds a credentials file and its backups alike: claude
// keeps its login and MCP and plugin secrets in it, a few KiB. A larger
// file is refused whole, never read in part.
const MaxFileSize = 16 << 20

// replaceIfUnchanged puts want at path only if path still holds was. It
// swaps the files atomically (renameat2 RENAME_EXCHANGE) and then looks at
// what it swapped out: if that is not was, someone wrote the file in the
// meantime, and their file is swapped back. Where the file system cannot
// exchange, it compares just before an ordinary rename.
func replaceIfUnchanged(path string, was, want []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.restore")
	if err != nil {
		return errs.Wrap("restore "+path+": ", err, "")
	}
	defer os.Remove(tmp.Name())
	if err := writeSynced(tmp, want); err != nil {
		return errs.Wrap("restore "+path+": ", err, "")
	}
	err = unix.Renameat2(unix.AT_FDCWD, tmp.Name(), unix.AT_FDCWD, path, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		now, rerr := ReadFile(path)
		if rerr != nil || !bytes.Equal(now, was) {
			return ErrChanged
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return errs.Wrap("restore "+path+": ", err, "")
		}
		return store.SyncDir(dir)
	}
	if err != nil {
		return errs.Wrap("restore "+path+": ", err, "")
	}
	old, rerr := os.ReadFile(tmp.Name())
	if rerr != nil || !bytes.Equal(old, was) {
		_ = unix.Renameat2(unix.AT_FDCWD, tmp.Name(), unix.AT_FDCWD, path, unix.RENAME_EXCHANGE)
		return ErrChanged
	}
	return store.SyncDir(dir)
}

func writeSynced(f *os.File, data []byte) error {
	defer f.Close()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Sync()
}

// backupPrefix starts every backup's name: credentials-<unix ns>.json;
// spentSuffix ends a backup restored once (or older than one).
const (
	backupPrefix = "credentials-"
	spentSuffix  = ".spent"
)

// backups lists the backups that may be restored, newest first.
func (g *Guard) backups() ([]string, error) { return g.list(false) }

// spend marks the backup restored, and every older one, as not to be
// restored again; they still count as backups for pruning and for
// telling a new state from one already seen.
func (g *Guard) spend(restored string) {
	names, _ := g.backups()
	for _, n := range names {
		if strings.Compare(n, filepath.Base(restored)) <= 0 {
			p := filepath.Join(g.Backups, n)
			_ = os.Rename(p, p+spentSuffix)
		}
	}
}

// list lists the backups, newest first, with the spent ones when spent.
func (g *Guard) list(spent bool) ([]string, error) {
	ents, err := os.ReadDir(g.Backups)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap("read backups: ", err, "")
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if spent {
			n = strings.TrimSuffix(n, spentSuffix)
		}
		if strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, ".json") && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(b, a) })
	return names, nil
}

// newestHealthy returns the newest backup claude could use, and its
// content; "" when there is none.
func (g *Guard) newestHealthy() (string, []byte, error) {
	names, err := g.backups()
	if err != nil {
		return "", nil, err
	}
	for _, n := range names {
		p := filepath.Join(g.Backups, n)
		data, err := ReadFile(p)
		if err == nil && Check(data, g.now()).State.Healthy() {
			return p, data, nil
		}
	}
	return "", nil, nil
}

// backup writes data as the newest backup unless the newest (spent or
// not: a restored state is not backed up again) already holds it, then
// keeps only the newest g.Keep.
func (g *Guard) backup(data []byte) (string, error) {
	names, err := g.list(true)
	if err != nil {
		return "", err
	}
	if len(names) > 0 {
		if last, err := ReadFile(filepath.Join(g.Backups, names[0])); err == nil && bytes.Equal(last, data) {
			return "", nil
		}
	}
	if err := store.EnsureStateDir(g.Backups); err != nil {
		return "", err
	}
	name := filepath.Join(g.Backups, backupPrefix+strconv.FormatInt(g.now().UnixNano(), 10)+".json")
	if err := store.WriteAtomic(name, data); err != nil {
		return "", err
	}
	keep := max(g.Keep, 1)
	names = append([]string{filepath.Base(name)}, names...)
	for _, old := range names[min(keep, len(names)):] {
		_ = os.Remove(filepath.Join(g.Backups, old))
	}
	return name, nil
}
