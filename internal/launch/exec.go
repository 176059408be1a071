package launch

import (
	"syscall"

	"github.com/claude-launch/claude-launch/pkg/token"
)

// ExecFunc replaces the process with path: syscall.Exec, or a test's recorder.
type ExecFunc func(path string, argv, env []string) error

// Exec replaces this process with f, keeping the PID, the terminal, the open descriptors and so the exit code; it
// returns only on failure. Of ignored signals only SIGHUP and SIGINT stay ignored (docs/how-it-works.md).
func Exec(exec ExecFunc, f Found, args, env []string) error {
	argv := append([]string{f.Argv0}, args...)
	beforeExec()
	if err := exec(f.Path, argv, env); err != nil {
		return token.Wrap("exec "+f.Path+": ", err, "")
	}
	return nil // only a recorder returns
}

// SysExec is the real exec.
var SysExec ExecFunc = syscall.Exec

// Exit codes of all three programs before they exec anything; after an exec the
// program's own code is the only code (docs/how-it-works.md, Exit codes).
const (
	ExitOK         = 0   // done
	ExitFailed     = 1   // claude-auth-sync failed and said why on stderr; status: not healthy
	ExitUsage      = 2   // a command line that does not parse
	ExitRefused    = 78  // t3-serve-launch refused to start the server (caps, unit set up wrong): EX_CONFIG
	ExitRecursion  = 125 // launchers exec'd each other MaxDepth times
	ExitCannotExec = 126 // the program was found but could not be executed
	ExitNotFound   = 127 // no real program was found
)
