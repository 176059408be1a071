package token

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ErrInsecureFile means a file that holds, or would hold, a token is not
// safe to use: a symlink, not a regular file, owned by another user, or open
// to group or others. Such a file is refused, never silently used.
var ErrInsecureFile = errors.New("insecure file")

// ErrNoToken means the place looked at holds no setup token: the env file
// has no CLAUDE_CODE_OAUTH_TOKEN line, or Vault has no such field. It is an
// answer, not a failure.
var ErrNoToken = errors.New("no setup token")

// maxEnvFile bounds what ReadEnvFile reads; the real file is one line.
const maxEnvFile = 1 << 20

// ReadEnvFile reads the setup token from the env file at path. It refuses a
// file that is unsafe (ErrInsecureFile) and a token that is malformed
// (ErrInvalidToken). A missing file gives an error that matches
// fs.ErrNotExist. No error text contains the token or a line of the file.
func ReadEnvFile(path string) (Secret, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return Secret{}, fmt.Errorf("env file %s: %w: it is a symlink; replace it with the file itself (run `claude-auth-sync sync`)", path, ErrInsecureFile)
		}
		return Secret{}, fmt.Errorf("open env file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Secret{}, fmt.Errorf("stat env file %s: %w", path, err)
	}
	if err := checkPrivate(path, fi); err != nil {
		return Secret{}, err
	}
	vars, err := ParseEnv(&limitedReader{f: f, n: maxEnvFile})
	if err != nil {
		return Secret{}, fmt.Errorf("env file %s: %w; fix that line or run `claude-auth-sync sync` to rewrite the file", path, err)
	}
	v, ok := vars[EnvVar]
	if !ok {
		return Secret{}, fmt.Errorf("env file %s: %w: it has no %s line; run `claude-auth-sync sync` to rewrite it", path, ErrNoToken, EnvVar)
	}
	s, err := NewSecret(v)
	if err != nil {
		return Secret{}, fmt.Errorf("env file %s: %w", path, err)
	}
	return s, nil
}

// checkPrivate refuses what ssh refuses for a private key: a file that is
// not regular, belongs to another user, or grants group or others any
// access.
func checkPrivate(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("env file %s: %w: it is a %s, not a regular file; remove it and run `claude-auth-sync sync`", path, ErrInsecureFile, describeType(fi.Mode()))
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("env file %s: %w: it is owned by uid %d, not by you (uid %d); remove it and run `claude-auth-sync sync`", path, ErrInsecureFile, st.Uid, os.Geteuid())
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("env file %s: %w: group or others can access it (mode %04o); run `chmod 600 %s`", path, ErrInsecureFile, perm, path)
	}
	return nil
}

// limitedReader reads at most n bytes, then reports a line too long.
type limitedReader struct {
	f *os.File
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("env file too large")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.f.Read(p)
	l.n -= int64(n)
	return n, err
}

// envFileHeader is the comment line at the top of a written env file.
const envFileHeader = "# Written by claude-auth-sync; run `claude-auth-sync sync` to refresh it.\n"

// testHookBeforeRename, when set by a test, runs after the temporary file is
// written and before it replaces the target; an error aborts the write.
var testHookBeforeRename func() error

// WriteEnvFile atomically replaces the env file at path with one holding s,
// mode 0600 in a 0700 directory: a temporary file in the same directory is
// written, synced and renamed over the target, then the directory is
// synced. On any failure the old file is left as it was and the temporary
// file is removed. A target that is a symlink or not a regular file is
// refused.
func WriteEnvFile(path string, s Secret) error {
	if s.IsZero() {
		return fmt.Errorf("write env file %s: %w: it is empty", path, ErrInvalidToken)
	}
	dir := filepath.Dir(path)
	if err := PrivateDir(dir); err != nil {
		return err
	}
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("env file %s: %w: it is a %s, not a regular file; remove it and run `claude-auth-sync sync` again", path, ErrInsecureFile, describeType(fi.Mode()))
	}
	return writeAtomic(path, []byte(envFileHeader+EnvVar+"="+s.Reveal()+"\n"))
}

// writeAtomic writes data to path through a synced temporary file in the
// same directory and a rename.
func writeAtomic(path string, data []byte) (err error) {
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
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
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

// PrivateDir makes sure dir exists as a directory of the current user that
// only that user can use (0700), creating it if needed and tightening the
// mode of one the user owns. A directory owned by someone else, or a
// symlink, is refused: whoever controls it could swap the file inside.
func PrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("stat directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("directory %s: %w: it is a %s; make it a plain directory", dir, ErrInsecureFile, describeType(fi.Mode()))
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("directory %s: %w: it is owned by uid %d, not by you (uid %d); use a directory of your own (CLAUDE_LAUNCH_ENV_FILE)", dir, ErrInsecureFile, st.Uid, os.Geteuid())
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("directory %s: %w", dir, err)
		}
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

func describeType(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}
