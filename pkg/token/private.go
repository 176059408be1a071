package token

import (
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// maxSmallFile bounds what the readers here read: a line or a few hundred bytes.
const maxSmallFile = 1 << 20

// Trust says how much a reader demands of a file's owner and mode.
type Trust int

// Every trust wants a regular file of this user; symlinks are followed but for Private.
const (
	Private Trust = iota // a secret that is ours alone, as ssh's keys: no access for others
	Owned                // a secret another program keeps for us (~/.vault-token): any mode
	Trusted              // settings that steer a token (the config file): root's too, nobody else may write it
)

// ReadSmallFile reads a small file, refusing what fails trust with an ErrInsecureFile that says how to fix it (remedy
// follows "remove it"); a missing file gives the *fs.PathError. Never blocking, on a raw descriptor (an os.File starts the poller).
func ReadSmallFile(path, what string, trust Trust, remedy string) (string, error) {
	flags := syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	if trust == Private {
		flags |= syscall.O_NOFOLLOW
	}
	fd, err := syscall.Open(path, flags, 0)
	for err == syscall.EINTR {
		fd, err = syscall.Open(path, flags, 0)
	}
	if err != nil {
		if err == syscall.ELOOP && trust == Private {
			return "", Wrap(what+" "+path+": ", ErrInsecureFile, ": it is a symlink; remove it"+remedy)
		}
		// As is: a missing file is the common case of every SSO launch.
		return "", &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return "", Wrap("stat "+what+" "+path+": ", err, "")
	}
	mode, perm := FileMode(&st), st.Mode&0o777
	me, owner := os.Geteuid(), int(st.Uid)
	why := ""
	switch {
	case !mode.IsRegular():
		why = ": it is a " + DescribeType(mode) + ", not a regular file; remove it" + remedy
	case owner != me && !(trust == Trusted && owner == 0):
		why = ": it is owned by uid " + strconv.Itoa(owner) + ", not by you (uid " + strconv.Itoa(me) + "); remove it" + remedy
	case trust == Private && perm&0o077 != 0:
		why = ": group or others can access it (mode " + Octal(perm) + "); run `chmod 600 " + path + "`"
	case trust == Trusted && perm&0o022 != 0:
		why = ": group or others can write it (mode " + Octal(perm) + "), and it decides where your token goes; run `chmod go-w " + path + "`"
	case st.Size > maxSmallFile:
		why = ": it is larger than 1 MiB; this is not the file it should be"
	}
	if why != "" {
		return "", Wrap(what+" "+path+": ", ErrInsecureFile, why)
	}
	buf, n := make([]byte, st.Size+1), 0
	for n < len(buf) && (n == 0 || int64(n) != st.Size) { // at EOF, or at fstat's size: a file that grew fills the extra byte
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return "", Wrap("read "+what+" "+path+": ", err, "")
		}
		if m == 0 {
			break
		}
		n += m
	}
	if int64(n) != st.Size { // it grew or shrank while being read
		return "", Wrap("read "+what+" "+path+": ", ErrChanged, "; try again")
	}
	// buf is never written again: the string may share it.
	return unsafe.String(&buf[0], n), nil
}

// CheckDirOf refuses a file whose directory group or others may write: they could replace it, or (in /tmp) make it first.
func CheckDirOf(path, what string) error {
	dir := "."
	if i := strings.LastIndexByte(path, '/'); i == 0 {
		dir = "/"
	} else if i > 0 {
		dir = path[:i]
	}
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return Wrap(what+" "+path+": directory "+dir+": ", err, "")
	}
	if st.Mode&0o022 != 0 {
		return Wrap(what+" "+path+": ", ErrInsecureFile, ": its directory "+dir+" can be written by group or others (mode "+Octal(st.Mode)+
			"), who could replace it; run `chmod go-w "+dir+"`")
	}
	return nil
}

// fileTypes pairs stat's file types (0: the rest) with fs's, and names them for messages.
var fileTypes = [...]struct {
	ifmt uint32
	mode fs.FileMode
	name string
}{{syscall.S_IFLNK, fs.ModeSymlink, "symlink"}, {syscall.S_IFDIR, fs.ModeDir, "directory"},
	{syscall.S_IFIFO, fs.ModeNamedPipe, "named pipe"}, {syscall.S_IFSOCK, fs.ModeSocket, "socket"}, {0, fs.ModeDevice, "device"}}

// FileMode turns a raw stat mode into an fs.FileMode.
func FileMode(st *syscall.Stat_t) fs.FileMode {
	mode, ifmt := fs.FileMode(st.Mode&0o777), st.Mode&syscall.S_IFMT
	if st.Mode&syscall.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	for _, t := range fileTypes {
		if ifmt != syscall.S_IFREG && (t.ifmt == ifmt || t.ifmt == 0) {
			return mode | t.mode
		}
	}
	return mode
}

// DescribeType names the kind of file m is, for messages.
func DescribeType(m fs.FileMode) string {
	for _, t := range fileTypes {
		if m&t.mode != 0 {
			return t.name
		}
	}
	if m.IsRegular() {
		return "regular file"
	}
	return "special file"
}

// Octal formats a mode's permission bits as chmod takes them: 0644, 1777.
func Octal(mode uint32) string {
	return strconv.FormatUint(uint64(mode&0o7777|0o10000), 8)[1:]
}
