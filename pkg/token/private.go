package token

import (
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// maxSmallFile bounds what the readers here read: every file they read is
// a line or a few hundred bytes.
const maxSmallFile = 1 << 20

// Trust says how much a reader demands of a file's owner and mode.
type Trust int

const (
	// Private is for a file that holds a secret and is ours alone, as ssh
	// demands of a private key: not a symlink, a regular file, owned by
	// this user, no access at all for group or others.
	Private Trust = iota
	// Owned is for a secret another program keeps for this user (the Vault
	// CLI's ~/.vault-token): a regular file owned by this user, symlinks
	// followed, any mode.
	Owned
	// Trusted is for settings that steer where a token goes (the config
	// file): a regular file owned by this user or root that nobody else can
	// write, symlinks followed (dotfile managers link them).
	Trusted
)

// ReadSmallFile reads a small file under the given trust, refusing what it
// does not meet with an error that wraps ErrInsecureFile and says how to
// fix it. what names the file in messages; remedy (" and run `…`") follows
// the advice to remove a file that cannot be mended in place. A missing file gives the
// *fs.PathError as is, which matches fs.ErrNotExist. It never blocks: a
// FIFO or device is refused, not opened for reading.
//
// It works on the raw descriptor: an os.File would set up the runtime's
// network poller (epoll) on first use, start-up cost for one small read.
func ReadSmallFile(path, what string, trust Trust, remedy string) (string, error) {
	flags := syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	if trust == Private {
		flags |= syscall.O_NOFOLLOW
	}
	fd, err := openRetry(path, flags)
	if err != nil {
		if err == syscall.ELOOP && trust == Private {
			return "", wrap(what+" "+path+": ", ErrInsecureFile, ": it is a symlink; remove it"+remedy)
		}
		// As is: a missing file is the common case of every SSO launch.
		return "", &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return "", wrap("stat "+what+" "+path+": ", err, "")
	}
	if err := checkFile(path, what, &st, trust, remedy); err != nil {
		return "", err
	}
	if st.Size > maxSmallFile {
		return "", wrap(what+" "+path+": ", ErrInsecureFile, ": it is larger than 1 MiB; this is not the file it should be")
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
		n += m
		// Done at EOF, or once the size fstat gave is read: the one extra
		// byte of buf still catches a file that grew in between.
		if m == 0 || int64(n) == st.Size && n < len(buf) && m > 0 && st.Size > 0 {
			break
		}
	}
	if int64(n) != st.Size {
		// It grew or shrank while being read: what was read may be cut
		// anywhere.
		return "", wrap("read "+what+" "+path+": ", ErrChanged, "; try again")
	}
	if n == 0 {
		return "", nil
	}
	// buf is never written again: the string may share it (one allocation
	// fewer on every launch).
	return unsafe.String(&buf[0], n), nil
}

func openRetry(path string, flags int) (int, error) {
	for {
		fd, err := syscall.Open(path, flags, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// checkFile applies trust to what fstat said of path.
func checkFile(path, what string, st *syscall.Stat_t, trust Trust, remedy string) error {
	mode := FileMode(st)
	if !mode.IsRegular() {
		return wrap(what+" "+path+": ", ErrInsecureFile, ": it is a "+DescribeType(mode)+", not a regular file; remove it"+remedy)
	}
	me := os.Geteuid()
	owner := int(st.Uid)
	if owner != me && !(trust == Trusted && owner == 0) {
		return wrap(what+" "+path+": ", ErrInsecureFile, ": it is owned by uid "+strconv.Itoa(owner)+", not by you (uid "+strconv.Itoa(me)+"); remove it"+remedy)
	}
	perm := st.Mode & 0o777
	switch {
	case trust == Private && perm&0o077 != 0:
		return wrap(what+" "+path+": ", ErrInsecureFile, ": group or others can access it (mode "+Octal(perm)+"); run `chmod 600 "+path+"`")
	case trust == Trusted && perm&0o022 != 0:
		return wrap(what+" "+path+": ", ErrInsecureFile, ": group or others can write it (mode "+Octal(perm)+
			"), and it decides where your token goes; run `chmod go-w "+path+"`")
	}
	return nil
}

// CheckDirOf refuses a file whose directory group or others may write:
// they could replace the file, or, in a sticky one (/tmp), make it before
// its owner does. internal/store refuses such a directory to write in.
func CheckDirOf(path, what string) error {
	dir := "."
	if i := strings.LastIndexByte(path, '/'); i == 0 {
		dir = "/"
	} else if i > 0 {
		dir = path[:i]
	}
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return wrap(what+" "+path+": directory "+dir+": ", err, "")
	}
	if st.Mode&0o022 != 0 {
		return wrap(what+" "+path+": ", ErrInsecureFile, ": its directory "+dir+" can be written by group or others (mode "+Octal(st.Mode)+
			"), who could replace it; run `chmod go-w "+dir+"`")
	}
	return nil
}

// FileMode turns a raw stat mode into an fs.FileMode.
func FileMode(st *syscall.Stat_t) fs.FileMode {
	mode := fs.FileMode(st.Mode & 0o777)
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
	case syscall.S_IFDIR:
		mode |= fs.ModeDir
	case syscall.S_IFLNK:
		mode |= fs.ModeSymlink
	case syscall.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		mode |= fs.ModeSocket
	default:
		mode |= fs.ModeDevice
	}
	if st.Mode&syscall.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

// DescribeType names the kind of file m is, for messages.
func DescribeType(m fs.FileMode) string {
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
	case m.IsRegular():
		return "regular file"
	}
	return "special file"
}
