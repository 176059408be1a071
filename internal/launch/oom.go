package launch

import (
	"strconv"
	"strings"
	"syscall"

	"github.com/claude-launch/claude-launch/internal/errs"
)

// EnvOOMScoreAdj names the oom_score_adj a launcher sets on itself before
// it execs (which keeps it). t3-serve-launch puts it in the server's
// environment, so that every agent the server starts through claude-launch
// becomes a likelier OOM victim than the server: with memory.oom.group=0
// the kernel kills the process with the highest badness, and a process may
// raise its own score without privilege.
const EnvOOMScoreAdj = "CLAUDE_LAUNCH_OOM_SCORE_ADJ"

// RaiseOOMScoreAdj raises /proc/self/oom_score_adj to v (-1000..1000).
// A score already as high is left alone: lowering one needs
// CAP_SYS_RESOURCE, and a launcher only ever raises it.
func RaiseOOMScoreAdj(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < -1000 || n > 1000 {
		return errs.Text(EnvOOMScoreAdj + "=" + strconv.Quote(v) + " is not a number from -1000 to 1000; ignored")
	}
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
