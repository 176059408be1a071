// Package creds guards the rotating login (~/.claude/.credentials.json) of a user without a setup token: it judges
// the file (Check), keeps backups and puts the newest back over a lost refresh race's damage (Guard).
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

	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/pkg/token"
	"golang.org/x/sys/unix"
)

// testHookBeforeReplace, set by a test, runs between judging a damaged file and replacing it.
var testHookBeforeReplace func()

const (
	FileName    = ".credentials.json" // the credentials file in claude's config directory
	MaxFileSize = 16 << 20            // bounds a credentials file and its backups (a few KiB); more is refused
)

// ErrChanged means claude (or a person) wrote the file between its judging and its replacing: it is left as they left it.
var ErrChanged = errors.New("the credentials file changed while it was being restored")

// Guard keeps a rotating login in Dir.
type Guard struct {
	Dir     string           // claude's config directory: $CLAUDE_CONFIG_DIR or ~/.claude
	Backups string           // the private directory of backups
	Keep    int              // how many backups are kept (at least 1)
	Now     func() time.Time // the clock; time.Now when nil
}

// Report is what a Guard run found and did; a name is "" for none.
type Report struct {
	File               string  // the credentials file
	Verdict, After     Verdict // its state as found, and after a restore
	BackedUp, Restored string  // the backup written of a healthy file; the backup put back over a damaged one
	NoBackup           bool    // the file was damaged and no unspent healthy backup was there: log in anew
	ClearedLock        string  // claude's refresh lock, cleared as stale by claude's own rule
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

// Run backs up a healthy file unlike the newest backup, or restores the newest healthy unspent backup over a damaged
// one under claude's refresh lock, waiting until ctx ends; a restored backup is spent (docs/how-it-works.md).
func (g *Guard) Run(ctx context.Context) (Report, error) {
	r := Report{File: g.File()}
	// A lock the next claude would break anyway (file times: the real clock).
	if l, err := InspectLock(g.Dir); err == nil && l.Stale(time.Now()) {
		if release, err := claudeLocks(ctx, g.Dir); err == nil {
			release()
			r.ClearedLock = l.Path
		}
	}
	v, data, err := g.Inspect()
	r.Verdict = v
	if err != nil || v.State == Missing {
		return r, err
	}
	if v.State.Healthy() {
		r.BackedUp, err = g.backup(data)
		return r, err
	}
	name, good, err := g.newestHealthy()
	if err != nil || name == "" {
		r.NoBackup = err == nil
		return r, err
	}
	release, err := claudeLocks(ctx, g.Dir)
	if err != nil {
		return r, token.Wrap("restore "+r.File+": ", err, "; left as it is until the next sync")
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
	r.Restored, r.After = name, Check(restored, g.now())
	return r, nil
}

// withLogin is the damaged file with the backup's login, its other entries (MCP and plugin secrets) kept; else the backup.
func withLogin(damaged, backup []byte) []byte {
	const loginKey = "claudeAiOauth"
	var cur, old map[string]json.RawMessage
	if json.Unmarshal(damaged, &cur) != nil || json.Unmarshal(backup, &old) != nil || old[loginKey] == nil ||
		len(cur) == 0 || len(cur) == 1 && cur[loginKey] != nil {
		return backup // nothing beside the login: the backup, byte for byte
	}
	cur[loginKey] = old[loginKey]
	if b, err := json.Marshal(cur); err == nil {
		return b
	}
	return backup
}

// ReadFile reads a credentials file or backup as claude keeps it (a regular file of this user, to MaxFileSize), else refuses it.
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

// ReadClaudes reads one of claude's files, opened without blocking (and with flags): a regular file, whole, to MaxFileSize.
func ReadClaudes(path string, flags int) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|flags, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var b bytes.Buffer
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%w: it is a %s, not the regular file claude writes", token.ErrInsecureFile, token.DescribeType(fi.Mode()))
	} else if err == nil {
		if _, err = b.ReadFrom(io.LimitReader(f, MaxFileSize+1)); err == nil && b.Len() > MaxFileSize {
			err = fmt.Errorf("%w: it is larger than 16 MiB, which is not the file claude writes", token.ErrInsecureFile)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b.Bytes(), nil
}

// replaceIfUnchanged puts want at path only if path still holds was: it swaps them
// (RENAME_EXCHANGE) and back unless it swapped out was; else it compares, then renames.
func replaceIfUnchanged(path string, was, want []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.restore")
	if err != nil {
		return token.Wrap("restore "+path+": ", err, "")
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err = tmp.Chmod(0o600); err == nil { // whatever CreateTemp's mode
		_, err = tmp.Write(want)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = unix.Renameat2(unix.AT_FDCWD, tmp.Name(), unix.AT_FDCWD, path, unix.RENAME_EXCHANGE)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
			if now, rerr := ReadFile(path); rerr != nil || !bytes.Equal(now, was) {
				return ErrChanged
			}
			err = os.Rename(tmp.Name(), path)
		} else if err == nil {
			if old, rerr := os.ReadFile(tmp.Name()); rerr != nil || !bytes.Equal(old, was) {
				_ = unix.Renameat2(unix.AT_FDCWD, tmp.Name(), unix.AT_FDCWD, path, unix.RENAME_EXCHANGE)
				return ErrChanged
			}
		}
	}
	if err != nil {
		return token.Wrap("restore "+path+": ", err, "")
	}
	return store.SyncDir(dir)
}

const (
	backupPrefix = "credentials-" // a backup is credentials-<unix ns>.json
	spentSuffix  = ".spent"       // ends a backup restored once, or older than one
)

// spend marks the backup restored and every older one as not to be restored again.
func (g *Guard) spend(restored string) {
	names, _ := g.list(false)
	for _, p := range names {
		if p <= restored {
			_ = os.Rename(p, p+spentSuffix)
		}
	}
}

// list lists the backups' paths, newest first, with the spent ones when spent.
func (g *Guard) list(spent bool) ([]string, error) {
	ents, err := os.ReadDir(g.Backups) // sorted by name: oldest first, so read backwards
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, token.Wrap("read backups: ", err, "")
	}
	var names []string
	for _, e := range slices.Backward(ents) {
		n, wasSpent := strings.CutSuffix(e.Name(), spentSuffix)
		if (spent || !wasSpent) && strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, ".json") && e.Type().IsRegular() {
			names = append(names, filepath.Join(g.Backups, e.Name()))
		}
	}
	return names, nil
}

// newestHealthy returns the newest backup claude could use and its content; "" for none.
func (g *Guard) newestHealthy() (string, []byte, error) {
	names, err := g.list(false)
	if err != nil {
		return "", nil, err
	}
	for _, p := range names {
		if data, err := ReadFile(p); err == nil && Check(data, g.now()).State.Healthy() {
			return p, data, nil
		}
	}
	return "", nil, nil
}

// backup writes data as the newest backup unless the newest (spent or not) holds it, then keeps the newest g.Keep.
func (g *Guard) backup(data []byte) (string, error) {
	names, err := g.list(true)
	if err != nil {
		return "", err
	}
	if len(names) > 0 {
		if last, err := ReadFile(names[0]); err == nil && bytes.Equal(last, data) {
			return "", nil
		}
	}
	name := filepath.Join(g.Backups, backupPrefix+strconv.FormatInt(g.now().UnixNano(), 10)+".json")
	if err := store.EnsureDir(g.Backups, store.StateHint); err != nil {
		return "", err
	} else if err := store.WriteAtomic(name, data); err != nil {
		return "", err
	}
	for _, old := range names[min(max(g.Keep, 1)-1, len(names)):] { // the new one and g.Keep-1 older
		_ = os.Remove(old)
	}
	return name, nil
}
