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

// testHookBeforeRename, set by a test, runs before the rename; an error aborts the write.
var testHookBeforeRename func() error

// WriteEnvFile atomically replaces the env file at path with one holding s, in a directory EnsureDir accepts; it refuses a non-regular file.
func WriteEnvFile(path string, s token.Secret) error {
	if s.IsZero() {
		return fmt.Errorf("write env file %s: %w: it is empty", path, token.ErrInvalidToken)
	}
	if err := EnsureDir(filepath.Dir(path), EnvFileHint); err != nil {
		return err
	}
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("env file %s: %w: it is a %s, not a regular file; remove it and run `%s` again",
			path, token.ErrInsecureFile, token.DescribeType(fi.Mode()), config.SyncCommand)
	}
	return WriteAtomic(path, token.EnvFileContent("Written by claude-auth-sync; run `"+config.SyncCommand+"` to refresh it.", s))
}

// WriteAtomic writes data to path, mode 0600, through a temporary file in its directory, synced and renamed over it; on failure the old file stays.
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
	step := ""
	if err = tmp.Chmod(0o600); err == nil { // whatever CreateTemp's mode
		_, err = tmp.Write(data)
	}
	if err == nil {
		step, err = "sync: ", tmp.Sync()
	}
	if err == nil {
		step, err = "close: ", tmp.Close()
	}
	if err == nil && testHookBeforeRename != nil {
		step, err = "", testHookBeforeRename()
	}
	if err == nil {
		step, err = "", os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %s%w", path, step, err)
	}
	return SyncDir(dir)
}

// SyncDir makes a rename in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err == nil {
		defer d.Close()
		err = d.Sync()
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// The hints that end EnsureDir's and CheckDir's refusals, by what the directory holds.
const (
	EnvFileHint = "keep the env file in a directory of your own (" + config.EnvEnvFile + ")"
	StateHint   = "keep claude-auth-sync's state in a directory of your own (" + config.EnvStateDir + ")"
)

// EnsureDir creates dir (0700) if missing; an existing one is never changed, and refused unless it is the user's own directory that only they write.
func EnsureDir(dir, hint string) error {
	if err := CheckDir(dir, hint); !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	return nil
}

// CheckDir applies EnsureDir's rules, changing nothing (fs.ErrNotExist if dir is missing), before a step that cannot be undone (a Vault write).
func CheckDir(dir, hint string) error {
	var st syscall.Stat_t
	if err := syscall.Lstat(dir, &st); err != nil {
		return fmt.Errorf("directory %s: %w", dir, &fs.PathError{Op: "lstat", Path: dir, Err: err})
	}
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

// Remove removes path (a symlink itself, never what it points to), if there; what says what failed ("remove env file").
func Remove(path, what string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
