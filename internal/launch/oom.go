package launch

import (
	"strconv"
	"strings"
	"syscall"

	"github.com/claude-launch/claude-launch/internal/errs"
)

// RaiseOOMScoreAdj raises /proc/self/oom_score_adj to n (-1000..1000),
// which exec keeps. t3-serve-launch sets CLAUDE_LAUNCH_OOM_SCORE_ADJ in the
// server's environment, so that every agent the server starts through
// claude-launch becomes a likelier OOM victim than the server: the kernel
// kills the process with the highest badness, and a process may raise its
// own score without privilege. A score already as high is left alone:
// lowering one needs CAP_SYS_RESOURCE, and a launcher only ever raises it.
func RaiseOOMScoreAdj(n int) error {
	const path = "/proc/self/oom_score_adj"
	if cur, err := readSmall(path); err == nil {
		if c, err := strconv.Atoi(cur); err == nil && c >= n {
			return nil
		}
	}
	fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return errs.Wrap("set oom_score_adj: ", err, "")
	}
	defer syscall.Close(fd)
	if _, err := syscall.Write(fd, []byte(strconv.Itoa(n))); err != nil {
		return errs.Wrap("set oom_score_adj to "+strconv.Itoa(n)+": ", err, "")
	}
	return nil
}

// readSmall reads a short proc file through the raw descriptor.
func readSmall(path string) (string, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	defer syscall.Close(fd)
	var buf [32]byte
	n, err := syscall.Read(fd, buf[:])
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(buf[:n])), nil
}
