package launch

import (
	"strconv"
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

// RaiseOOMScoreAdj writes v (-1000..1000) to /proc/self/oom_score_adj.
// Lowering below the inherited value needs CAP_SYS_RESOURCE and fails; a
// launcher only ever raises it.
func RaiseOOMScoreAdj(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < -1000 || n > 1000 {
		return errs.Text(EnvOOMScoreAdj + "=" + strconv.Quote(v) + " is not a number from -1000 to 1000; ignored")
	}
	fd, err := syscall.Open("/proc/self/oom_score_adj", syscall.O_WRONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return errs.Wrap("set oom_score_adj: ", err, "")
	}
	defer syscall.Close(fd)
	if _, err := syscall.Write(fd, []byte(strconv.Itoa(n))); err != nil {
		return errs.Wrap("set oom_score_adj to "+strconv.Itoa(n)+": ", err, "")
	}
	return nil
}
