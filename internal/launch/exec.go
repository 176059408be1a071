package launch

import (
	"github.com/claude-launch/claude-launch/internal/errs"

	"golang.org/x/sys/unix"
)

// Exit codes of a launcher that could not exec its program. After a
// successful exec the program's own code is the only code. They follow the
// shell's conventions, which claude and t3-serve do not use for themselves.
const (
	// ExitRecursion: launchers exec'd each other MaxDepth times.
	ExitRecursion = 125
	// ExitCannotExec: the program was found but could not be executed.
	ExitCannotExec = 126
	// ExitNotFound: no real program was found.
	ExitNotFound = 127
)

// Exec replaces this process with f, keeping the PID, the terminal, the
// signal disposition and so the exit code. It returns only on failure.
func Exec(f Found, args, env []string) error {
	argv := append([]string{f.Argv0}, args...)
	err := unix.Exec(f.Path, argv, env)
	return errs.Wrap("exec "+f.Path+": ", err, "")
}
