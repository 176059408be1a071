package launch

import (
	"syscall"

	"github.com/claude-launch/claude-launch/internal/errs"
)

// ExecFunc replaces the process with path; syscall.Exec in production, a
// recorder in tests (the seam that lets a launcher's run be tested in
// process).
type ExecFunc func(path string, argv, env []string) error

// Exec replaces this process with f through exec, keeping the PID, the
// terminal, the open descriptors and so the exit code. It returns only on
// failure.
//
// Signals the caller ignored are a partial exception: the Go runtime keeps
// an inherited SIG_IGN only for SIGHUP and SIGINT and installs its own
// handler for the others, which exec then resets to the default. So nohup's
// SIGHUP stays ignored in the program, but a SIGTERM, SIGQUIT, SIGPIPE or
// SIGUSR1 that the caller ignored arrives with its default action; no Go
// program can read back the disposition it started with.
func Exec(exec ExecFunc, f Found, args, env []string) error {
	argv := append([]string{f.Argv0}, args...)
	beforeExec()
	if err := exec(f.Path, argv, env); err != nil {
		return errs.Wrap("exec "+f.Path+": ", err, "")
	}
	return nil // only a recorder returns
}

// SysExec is the real exec.
var SysExec ExecFunc = syscall.Exec
