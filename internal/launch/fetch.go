package launch

import (
	"errors"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/errs"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// SyncProgram is the program that reads Vault for a launcher on a miss.
const SyncProgram = "claude-auth-sync"

// DeadlineFlag passes the launcher's deadline to claude-auth-sync sync
// --on-miss, in Unix milliseconds: it stops in time to say why.
const DeadlineFlag = "--deadline-unix-ms"

// ErrReported wraps a fetch failure that the fetcher already explained on
// stderr.
var ErrReported = errors.New("reported by " + SyncProgram)

// ChildMargin is kept from the look-up bound for claude-auth-sync to report
// a failure before the launcher stops waiting for it.
const ChildMargin = 150 * time.Millisecond

// SyncFetcher returns a token.Fetcher that runs `claude-auth-sync sync
// --on-miss`, found beside this executable or else in PATH, with the
// environment as received (the same settings, read by the same parser),
// its stdin and stdout on /dev/null (stdout belongs to the program to come)
// and its stderr on stderr. It is killed at the deadline, and then says
// what claude-auth-sync would have said.
//
// It uses os.StartProcess rather than os/exec, which the per-launch binary
// does not link.
func SyncFetcher(environ []string, cfg *config.Config, stderr *os.File) token.Fetcher {
	return func(deadline time.Time) error {
		path, ok := Beside(SyncProgram, environ)
		if !ok {
			return errs.Wrap("cannot look up Vault: ", ErrNotFound, ": no "+SyncProgram+" beside claude-launch or in PATH; install it")
		}
		null, err := os.Open(os.DevNull)
		if err != nil {
			return err
		}
		defer null.Close()
		argv := []string{SyncProgram, "sync", "--on-miss", DeadlineFlag + "=" + strconv.FormatInt(deadline.Add(-ChildMargin).UnixMilli(), 10)}
		p, err := os.StartProcess(path, argv, &os.ProcAttr{Env: environ, Files: []*os.File{null, null, stderr}})
		if err != nil {
			return errs.Wrap("cannot look up Vault: start "+path+": ", err, "")
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
