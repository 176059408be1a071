package launch

import (
	"syscall"

	"github.com/claude-launch/claude-launch/internal/errs"
)

// ExecFunc replaces the process with path: syscall.Exec, or a test's recorder.
type ExecFunc func(path string, argv, env []string) error

// Exec replaces this process with f, keeping the PID, the terminal, the open
// descriptors and so the exit code; it returns only on failure. Of ignored
// signals only SIGHUP and SIGINT stay ignored (docs/how-it-works.md).
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
