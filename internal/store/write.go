package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// testHookBeforeRename, when set by a test, runs after the temporary file is
// written and before it replaces the target; an error aborts the write.
var testHookBeforeRename func() error

// WriteEnvFile atomically replaces the env file at path with one holding s,
// mode 0600, in a directory EnsureDir accepts. On any failure the old file
// is left as it was. A target that is a symlink or not a regular file is
// refused.
func WriteEnvFile(path string, s token.Secret) error {
	if s.IsZero() {
		return fmt.Errorf("write env file %s: %w: it is empty", path, token.ErrInvalidToken)
	}
	if err := EnsureDir(filepath.Dir(path)); err != nil {
		return err
	}
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("env file %s: %w: it is a %s, not a regular file; remove it and run `%s` again",
			path, token.ErrInsecureFile, token.DescribeType(fi.Mode()), config.SyncCommand)
	}
	return WriteAtomic(path, token.EnvFileContent("Written by claude-auth-sync; run `"+config.SyncCommand+"` to refresh it.", s))
}

// WriteAtomic writes data to path, mode 0600: a temporary file in the same
// directory is written, synced and renamed over the target, then the
// directory is synced. On any failure the old file is left as it was and
// the temporary file is removed.
func WriteAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	// CreateTemp already uses 0600; Chmod makes that independent of it.
	if err = tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: close: %w", path, err)
	}
	if testHookBeforeRename != nil {
		if err = testHookBeforeRename(); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return SyncDir(dir)
}

// SyncDir makes a rename in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// EnsureDir makes sure dir can hold a file of this user's that nobody else
// may replace. A missing dir is created, mode 0700 (with any missing
// parents), as the XDG base directory spec asks. An existing dir is never
// changed: it must be a real directory (not a symlink), owned by this user,
// and not writable by group or others, or it is refused with a hint, since
// whoever can write in it could swap the file inside. The hint is the env
// file's; EnsureStateDir is the same for claude-auth-sync's state.
func EnsureDir(dir string) error { return ensureDir(dir, envFileDir) }

// EnsureStateDir is EnsureDir for the state directory and what lives
// below it (the backups).
func EnsureStateDir(dir string) error { return ensureDir(dir, stateDir) }

// CheckDir applies EnsureDir's rules to dir without changing anything: it
// returns an error wrapping fs.ErrNotExist when dir is missing (EnsureDir
// would create it), nil when it may be used. Commands check it before a
// step that cannot be undone (a Vault write), so that nothing is left
// half done.
func CheckDir(dir string) error { return checkDir(dir, envFileDir) }

// CheckStateDir is CheckDir for the state directory.
func CheckStateDir(dir string) error { return checkDir(dir, stateDir) }

// dirUse says what a directory is for, in the hint of a refusal.
type dirUse struct{ what, setting string }

var (
	envFileDir = dirUse{"the env file", config.EnvEnvFile}
	stateDir   = dirUse{"claude-auth-sync's state", config.EnvStateDir}
)

func ensureDir(dir string, use dirUse) error {
	err := checkDir(dir, use)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create directory %s: %w", dir, err)
		}
		return nil
	}
	return err
}

func checkDir(dir string, use dirUse) error {
	var st syscall.Stat_t
	if err := syscall.Lstat(dir, &st); err != nil {
		return fmt.Errorf("directory %s: %w", dir, &fs.PathError{Op: "lstat", Path: dir, Err: err})
	}
	hint := "keep " + use.what + " in a directory of your own (" + use.setting + ")"
	switch mode := token.FileMode(&st); {
	case !mode.IsDir():
		return fmt.Errorf("directory %s: %w: it is a %s, not a directory; %s", dir, token.ErrInsecureFile, token.DescribeType(mode), hint)
	case int(st.Uid) != os.Geteuid():
		return fmt.Errorf("directory %s: %w: it is owned by uid %d, not by you (uid %d); %s", dir, token.ErrInsecureFile, st.Uid, os.Geteuid(), hint)
	case st.Mode&0o022 != 0:
		return fmt.Errorf("directory %s: %w: group or others can write in it (mode %s), so they could replace the file; run `chmod go-w %s`, or %s",
			dir, token.ErrInsecureFile, token.Octal(st.Mode), dir, hint)
	}
	return nil
}

// RemoveEnvFile removes the env file at path; a missing file is no error.
// It removes a symlink itself, never what it points to.
func RemoveEnvFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove env file: %w", err)
	}
	return nil
}
