// Package kernfile reads and writes the kernel's small files (/proc/PID/stat, oom_score_adj, cgroup v2 control files) through
// raw descriptors; it links only the standard library, since claude-launch links it (docs/startup.md).
package kernfile

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// WriteFile writes value to path in one write, as the kernel's files want.
func WriteFile(path, value string) error {
	fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	if _, err := syscall.Write(fd, []byte(value)); err != nil {
		return &os.PathError{Op: "write", Path: path, Err: err}
	}
	return nil
}

// ReadSmall reads up to 4 KiB of path in one read: enough for every file here.
func ReadSmall(path string) (string, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return "", &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var buf [4096]byte
	n, err := syscall.Read(fd, buf[:])
	if err != nil {
		return "", &os.PathError{Op: "read", Path: path, Err: err}
	}
	return string(buf[:n]), nil
}

// Bound makes the cgroup dir kill at max (^uint64(0): no limit) instead of throttling, with no swap, memory.low
// when low > 0, and memory.oom.group: whether an OOM kill takes the whole cgroup (an agent) or the one process that grew.
func Bound(dir string, max, low uint64, oomGroup bool) error {
	vs := [][2]string{{"memory.high", "max"}, {"memory.swap.max", "0"}, {"memory.oom.group", "0"}}
	if oomGroup {
		vs[2][1] = "1"
	}
	if max != ^uint64(0) {
		vs = append(vs, [2]string{"memory.max", strconv.FormatUint(max, 10)})
	}
	if low > 0 {
		vs = append(vs, [2]string{"memory.low", strconv.FormatUint(low, 10)})
	}
	var st syscall.Stat_t
	for _, v := range vs {
		// memory.swap.max is missing without swap accounting: skipped.
		if err := WriteFile(dir+"/"+v[0], v[1]); err != nil && !(v[0] == "memory.swap.max" && os.IsNotExist(err) && syscall.Stat(dir, &st) == nil) {
			return err
		}
	}
	return nil
}

// SameCgroup reports whether rel, a cgroup as /proc/PID/cgroup names it (with a leading slash), is dir, a full path below the cgroup2 mount.
func SameCgroup(dir, rel string) bool {
	return strings.HasPrefix(rel, "/") && strings.HasSuffix(dir, rel)
}

// Cgroups reads /proc/PID/cgroup (pid 0: this process).
func Cgroups(pid int) (v2, v1Memory string, err error) {
	s, err := ReadSmall(procPath(pid, "cgroup"))
	v2, v1Memory = ParseCgroups(s)
	return v2, v1Memory, err
}

// ParseCgroups reads the "ID:controllers:path" lines of /proc/PID/cgroup: the
// cgroup v2 path (the "0::" line) and the v1 memory controller's, "" for none.
func ParseCgroups(s string) (v2, v1Memory string) {
	for _, line := range strings.Split(s, "\n") {
		parts := strings.SplitN(line, ":", 3)
		switch {
		case len(parts) != 3:
		case parts[0] == "0" && parts[1] == "":
			v2 = parts[2]
		case strings.Contains(","+parts[1]+",", ",memory,"):
			v1Memory = parts[2]
		}
	}
	return v2, v1Memory
}

// Stat is what this project reads of /proc/PID/stat.
type Stat struct {
	State string // R, S, D, Z (zombie), X (dead)…
	PPID  int
	TTY   int   // tty_nr, the controlling terminal's device number
	Start int64 // starttime: clock ticks after boot
}

// ReadStat reads /proc/PID/stat ("self" for pid 0).
func ReadStat(pid int) (Stat, error) {
	s, err := ReadSmall(procPath(pid, "stat"))
	st, ok := ParseStat(s)
	if err == nil && !ok {
		err = &os.PathError{Op: "parse", Path: procPath(pid, "stat"), Err: syscall.EINVAL}
	}
	return st, err
}

// ParseStat parses a /proc/PID/stat line, whose second field (the command, in parentheses) may hold anything.
func ParseStat(s string) (Stat, bool) {
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+1:]) // field 3 (state) onward; starttime is field 22
	if i < 0 || len(f) < 20 {
		return Stat{}, false
	}
	st := Stat{State: f[0]}
	st.PPID, _ = strconv.Atoi(f[1])
	st.TTY, _ = strconv.Atoi(f[4])
	st.Start, _ = strconv.ParseInt(f[19], 10, 64)
	return st, true
}

// RaiseOOMScoreAdj raises the oom_score_adj of pid (0: this process) to adj and reports
// whether it wrote; a score already as high is left alone (lowering needs CAP_SYS_RESOURCE).
func RaiseOOMScoreAdj(pid, adj int) (bool, error) {
	p := procPath(pid, "oom_score_adj")
	if cur, err := ReadSmall(p); err == nil {
		if c, err := strconv.Atoi(strings.TrimSpace(cur)); err == nil && c >= adj {
			return false, nil
		}
	}
	err := WriteFile(p, strconv.Itoa(adj))
	return err == nil, err
}

func procPath(pid int, file string) string {
	if pid == 0 {
		return "/proc/self/" + file
	}
	return "/proc/" + strconv.Itoa(pid) + "/" + file
}
