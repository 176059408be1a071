package launch

import (
	"errors"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/pkg/token"
)

const (
	// SyncProgram is the program that reads Vault for a launcher on a miss.
	SyncProgram = "claude-auth-sync"
	// DeadlineFlag passes the launcher's deadline to `sync --on-miss`, in Unix ms.
	DeadlineFlag = "--deadline-unix-ms"
	// ChildMargin is left to claude-auth-sync to report a failure before the deadline.
	ChildMargin = 150 * time.Millisecond
)

// ErrReported wraps a fetch failure that the fetcher already explained on stderr.
var ErrReported = errors.New("reported by " + SyncProgram)

// SyncFetcher returns a token.Fetcher that runs `claude-auth-sync sync --on-miss`
// with the environment as received and only stderr open, killed at the deadline
// (os.StartProcess: the per-launch binary does not link os/exec).
func SyncFetcher(environ []string, cfg *config.Config, stderr *os.File) token.Fetcher {
	return func(deadline time.Time) error {
		path, ok := Beside(SyncProgram, environ)
		if !ok {
			return token.Wrap("cannot look up Vault: ", ErrNotFound, ": no "+SyncProgram+" beside claude-launch or in PATH; install it")
		}
		null, err := os.Open(os.DevNull)
		if err != nil {
			return err
		}
		defer null.Close()
		argv := []string{SyncProgram, "sync", "--on-miss", DeadlineFlag + "=" + strconv.FormatInt(deadline.Add(-ChildMargin).UnixMilli(), 10)}
		p, err := os.StartProcess(path, argv, &os.ProcAttr{Env: environ, Files: []*os.File{null, null, stderr}})
		if err != nil {
			return token.Wrap("cannot look up Vault: start "+path+": ", err, "")
		}
		timer := time.AfterFunc(time.Until(deadline), func() { _ = p.Kill() })
		st, err := p.Wait()
		expired := !timer.Stop()
		switch {
		case err != nil:
			return err
		case st.Success():
			return nil
		case expired:
			return errors.New(cfg.NoAnswer())
		case st.ExitCode() == ExitFailed:
			return ErrReported
		}
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return errors.New(SyncProgram + " sync was killed by " + ws.Signal().String())
		}
		return errors.New(SyncProgram + " sync exited with status " + strconv.Itoa(st.ExitCode()))
	}
}
