package token

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/claude-launch/claude-launch/internal/errs"
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
	data, err := readPrivate(path, "env file")
	if err != nil {
		return Secret{}, err
	}
	vars, err := parseEnv(data)
	if err != nil {
		return Secret{}, wrap("env file "+path+": ", err, "; fix that line or run `claude-auth-sync sync` to rewrite the file")
	}
	v, ok := vars[EnvVar]
	if !ok {
		return Secret{}, wrap("env file "+path+": ", ErrNoToken, ": it has no "+EnvVar+" line; run `claude-auth-sync sync` to rewrite it")
	}
	s, err := NewSecret(v)
	if err != nil {
		return Secret{}, wrap("env file "+path+": ", err, "")
	}
	return s, nil
}

// readPrivate reads a small file that only its owner may use, refusing
// what ssh refuses for a private key: a symlink, anything but a regular
// file, a file of another user, a file that grants group or others any
// access. what names the file in messages. A missing file gives the
// *fs.PathError as is, which matches fs.ErrNotExist.
//
// It works on the raw descriptor: an os.File would set up the runtime's
// network poller (epoll) on first use, start-up cost for one small read.
func readPrivate(path, what string) (string, error) {
	fd, err := openNoFollow(path)
	if err != nil {
		if err == syscall.ELOOP {
			return "", wrap(what+" "+path+": ", ErrInsecureFile, ": it is a symlink; replace it with the file itself (run `claude-auth-sync sync`)")
		}
		// As is: a missing file is the common case of every SSO launch.
		return "", &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return "", wrap("stat "+what+" "+path+": ", err, "")
	}
	if err := checkPrivate(path, what, &st); err != nil {
		return "", err
	}
	if st.Size > maxEnvFile {
		return "", errs.Text(what + " " + path + " is larger than 1 MiB; it cannot be one")
	}
	buf := make([]byte, st.Size+1)
	n := 0
	for n < len(buf) {
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return "", wrap("read "+what+" "+path+": ", err, "")
		}
		if m == 0 {
			break
		}
		n += m
	}
	return string(buf[:n]), nil
}

// openNoFollow opens path read-only without following a final symlink and
// without blocking on a FIFO.
func openNoFollow(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// checkPrivate refuses a file that is not regular, belongs to another user,
// or grants group or others any access.
func checkPrivate(path, what string, st *syscall.Stat_t) error {
	mode := fs.FileMode(st.Mode & 0o777)
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
	case syscall.S_IFDIR:
		mode |= fs.ModeDir
	case syscall.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		mode |= fs.ModeSocket
	default:
		mode |= fs.ModeDevice
	}
	if !mode.IsRegular() {
		return wrap(what+" "+path+": ", ErrInsecureFile, ": it is a "+describeType(mode)+", not a regular file; remove it and run `claude-auth-sync sync`")
	}
	if int(st.Uid) != os.Geteuid() {
		return wrap(what+" "+path+": ", ErrInsecureFile, ": it is owned by uid "+itoa(int(st.Uid))+", not by you (uid "+itoa(os.Geteuid())+"); remove it and run `claude-auth-sync sync`")
	}
	if perm := st.Mode & 0o777; perm&0o077 != 0 {
		return wrap(what+" "+path+": ", ErrInsecureFile, ": group or others can access it (mode "+octal(perm)+"); run `chmod 600 "+path+"`")
	}
	return nil
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
		return wrap("write env file "+path+": ", ErrInvalidToken, ": it is empty")
	}
	dir := filepath.Dir(path)
	if err := PrivateDir(dir); err != nil {
		return err
	}
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return wrap("env file "+path+": ", ErrInsecureFile, ": it is a "+describeType(fi.Mode())+", not a regular file; remove it and run `claude-auth-sync sync` again")
	}
	return writeAtomic(path, []byte(envFileHeader+EnvVar+"="+s.Reveal()+"\n"))
}

// writeAtomic writes data to path through a synced temporary file in the
// same directory and a rename.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return wrap("write "+path+": ", err, "")
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	// CreateTemp already uses 0600; Chmod makes that independent of it.
	if err = tmp.Chmod(0o600); err != nil {
		return wrap("write "+path+": ", err, "")
	}
	if _, err = tmp.Write(data); err != nil {
		return wrap("write "+path+": ", err, "")
	}
	if err = tmp.Sync(); err != nil {
		return wrap("write "+path+": sync: ", err, "")
	}
	if err = tmp.Close(); err != nil {
		return wrap("write "+path+": close: ", err, "")
	}
	if testHookBeforeRename != nil {
		if err = testHookBeforeRename(); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return wrap("write "+path+": ", err, "")
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return wrap("sync directory "+dir+": ", err, "")
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return wrap("sync directory "+dir+": ", err, "")
	}
	return nil
}

// PrivateDir makes sure dir exists as a directory of the current user that
// only that user can use (0700), creating it if needed and tightening the
// mode of one the user owns. A directory owned by someone else, or a
// symlink, is refused: whoever controls it could swap the file inside.
func PrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return wrap("create directory "+dir+": ", err, "")
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return wrap("stat directory "+dir+": ", err, "")
	}
	if !fi.IsDir() {
		return wrap("directory "+dir+": ", ErrInsecureFile, ": it is a "+describeType(fi.Mode())+"; make it a plain directory")
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return wrap("directory "+dir+": ", ErrInsecureFile, ": it is owned by uid "+itoa(int(st.Uid))+", not by you (uid "+itoa(os.Geteuid())+"); use a directory of your own ("+EnvEnvFile+")")
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return wrap("directory "+dir+": ", err, "")
		}
	}
	return nil
}

// RemoveEnvFile removes the env file at path; a missing file is no error.
// It removes a symlink itself, never what it points to.
func RemoveEnvFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return wrap("remove env file: ", err, "")
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
