// Package buildinfo reads an executable's Go build info in three small reads, without debug/elf or runtime/debug: claude-launch calls it per launch.
package buildinfo

import (
	"encoding/binary"
	"strings"
	"syscall"
)

// ModInfo returns the module information ("path\t…\nmod\t…") of the executable at path, "" for all but a 64-bit little-endian ELF of Go 1.18+.
func ModInfo(path string) string {
	return parse(dataStart(path, make([]byte, 64<<10)))
}

// MainPackage is the main package recorded in the executable at path, "" for none; it reads only the first 256 bytes, where Go puts that line.
func MainPackage(path string) string {
	var buf [256]byte
	rest := afterVersion(dataStart(path, buf[:]))
	// The length prefix, the 16-byte sentinel, then "path\t<main package>\n".
	if _, w := binary.Uvarint(rest); w > 0 && len(rest) > w+16 {
		return field(string(rest[w+16:]), "path\t")
	}
	return ""
}

// dataStart fills buf from the start of the ELF's first writable segment, where the Go linker puts the build info, and returns what it read.
func dataStart(path string, buf []byte) []byte {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	for err == syscall.EINTR {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	}
	if err != nil {
		return nil
	}
	defer syscall.Close(fd)
	// The ELF header and the program headers (56 bytes each) right after it: one read.
	var head [1024]byte // up to 17 program headers: Go writes 6 to 9
	n := readAt(fd, head[:], 0)
	phoff, phnum := binary.LittleEndian.Uint64(head[0x20:]), int(binary.LittleEndian.Uint16(head[0x38:]))
	if n < 64 || string(head[:4]) != "\x7fELF" || head[4] != 2 || head[5] != 1 || binary.LittleEndian.Uint16(head[0x36:]) != 56 ||
		phnum == 0 || phnum > 32 || phoff > 1<<20 {
		return nil
	}
	var ph []byte
	if end := phoff + uint64(56*phnum); end <= uint64(n) {
		ph = head[phoff:end]
	} else {
		ph = make([]byte, 56*phnum) // rare: keep the stack small
		if readAt(fd, ph, int64(phoff)) != len(ph) {
			return nil
		}
	}
	for p := ph; len(p) > 0; p = p[56:] {
		const ptLoad, pfW = 1, 2
		if binary.LittleEndian.Uint32(p) == ptLoad && binary.LittleEndian.Uint32(p[4:])&pfW != 0 {
			return buf[:readAt(fd, buf, int64(binary.LittleEndian.Uint64(p[8:])))]
		}
	}
	return nil
}

// magic starts Go's build info, 16-byte aligned.
const magic = "\xff Go buildinf:"

// parse returns the module information in data: the second uvarint-prefixed string after the 32-byte header, between 16-byte sentinels.
func parse(data []byte) string {
	if mod, _, ok := str(afterVersion(data)); ok && len(mod) >= 33 {
		return string(mod[16 : len(mod)-16])
	}
	return ""
}

// afterVersion finds the build info in data and returns what follows its Go version, nil if none.
func afterVersion(data []byte) []byte {
	for off := 0; off+32 <= len(data); off += 16 {
		if string(data[off:off+len(magic)]) == magic {
			if data[off+15]&2 == 0 { // not inline: a Go older than 1.18
				return nil
			}
			_, rest, _ := str(data[off+32:])
			return rest
		}
	}
	return nil
}

// str reads a uvarint-prefixed string.
func str(b []byte) (s, rest []byte, ok bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return nil, nil, false
	}
	return b[w : w+int(n)], b[w+int(n):], true
}

// Version is the main module's version in modinfo: a tag or pseudo-version, else "devel-REVISION[-dirty]" from the VCS stamp, else "devel".
func Version(modinfo string) string {
	if parts := strings.Split(field(modinfo, "mod\t"), "\t"); len(parts) > 1 && parts[1] != "" && parts[1] != "(devel)" {
		return parts[1]
	}
	rev := field(modinfo, "build\tvcs.revision=")
	if rev == "" {
		return "devel"
	}
	rev = rev[:min(len(rev), 12)]
	if field(modinfo, "build\tvcs.modified=") == "true" {
		rev += "-dirty"
	}
	return "devel-" + rev
}

// field returns the rest of the first line of modinfo that starts with prefix.
func field(modinfo, prefix string) string {
	for _, line := range strings.Split(modinfo, "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			return v
		}
	}
	return ""
}

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
