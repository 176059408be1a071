// Package buildinfo reads the Go build info of an executable file (its main
// package, module version and VCS revision) in three small reads, without
// debug/elf or runtime/debug: both link fmt and more, and claude-launch,
// which uses this on every launch, must not pay for them.
package buildinfo

import (
	"encoding/binary"
	"strings"
	"syscall"
)

// ModInfo returns the module information Go recorded in the executable at
// path ("path\t…\nmod\t…\t…\nbuild\t…"), "" for anything that is not a
// 64-bit little-endian ELF built by Go 1.18 or later. It reads it as
// debug/buildinfo does for a stripped binary: from the start of the first
// writable segment, where the linker puts it.
func ModInfo(path string) string {
	fd, err := open(path)
	if err != nil {
		return ""
	}
	defer syscall.Close(fd)
	var eh [64]byte
	if !pread(fd, eh[:], 0) || string(eh[:4]) != "\x7fELF" || eh[4] != 2 || eh[5] != 1 {
		return ""
	}
	phoff := binary.LittleEndian.Uint64(eh[0x20:])
	phentsize := int(binary.LittleEndian.Uint16(eh[0x36:]))
	phnum := int(binary.LittleEndian.Uint16(eh[0x38:]))
	if phentsize < 56 || phnum == 0 || phnum > 64 || phoff > 1<<20 {
		return ""
	}
	ph := make([]byte, phentsize*phnum)
	if !pread(fd, ph, int64(phoff)) {
		return ""
	}
	for i := 0; i < phnum; i++ {
		p := ph[i*phentsize:]
		const ptLoad, pfW = 1, 2
		if binary.LittleEndian.Uint32(p) != ptLoad || binary.LittleEndian.Uint32(p[4:])&pfW == 0 {
			continue
		}
		var data [4096]byte
		n := readAt(fd, data[:], int64(binary.LittleEndian.Uint64(p[8:])))
		return parse(data[:n])
	}
	return ""
}

// magic starts Go's build info, 16-byte aligned.
const magic = "\xff Go buildinf:"

// parse finds the build info in data and returns its module information
// string. Only the inline format (Go 1.18 and later) is read: two
// length-prefixed strings after a 32-byte header, the Go version, then the
// module information between 16-byte sentinels.
func parse(data []byte) string {
	for off := 0; off+32 <= len(data); off += 16 {
		if string(data[off:off+len(magic)]) != magic {
			continue
		}
		if data[off+15]&2 == 0 { // not inline: a Go older than 1.18
			return ""
		}
		rest := data[off+32:]
		_, rest, ok := str(rest) // the Go version
		if !ok {
			return ""
		}
		mod, _, ok := str(rest)
		if !ok || len(mod) < 33 {
			return ""
		}
		return string(mod[16 : len(mod)-16])
	}
	return ""
}

// str reads a uvarint-prefixed string.
func str(b []byte) (s, rest []byte, ok bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return nil, nil, false
	}
	return b[w : w+int(n)], b[w+int(n):], true
}

// MainPackage is the main package in modinfo, "" if none.
func MainPackage(modinfo string) string { return field(modinfo, "path\t") }

// Version is the main module's version in modinfo: a tag or pseudo-version,
// else "devel-REVISION" (with "-dirty" for uncommitted changes) from the
// VCS stamp, else "devel".
func Version(modinfo string) string {
	mod := field(modinfo, "mod\t")
	if parts := strings.Split(mod, "\t"); len(parts) > 1 && parts[1] != "" && parts[1] != "(devel)" {
		return parts[1]
	}
	rev := field(modinfo, "build\tvcs.revision=")
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if field(modinfo, "build\tvcs.modified=") == "true" {
		rev += "-dirty"
	}
	return "devel-" + rev
}

// field returns the rest of the first line of modinfo that starts with
// prefix.
func field(modinfo, prefix string) string {
	for _, line := range strings.Split(modinfo, "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			return v
		}
	}
	return ""
}

func open(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// pread fills b from offset off, reporting whether it could.
func pread(fd int, b []byte, off int64) bool { return readAt(fd, b, off) == len(b) }

// readAt reads up to len(b) bytes at off and returns how many it read.
func readAt(fd int, b []byte, off int64) int {
	n := 0
	for n < len(b) {
		m, err := syscall.Pread(fd, b[n:], off+int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil || m == 0 {
			break
		}
		n += m
	}
	return n
}
