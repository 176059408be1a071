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

// syncProgram reads Vault for a launcher on a miss.
const syncProgram = "claude-auth-sync"

// ErrReported wraps a fetch failure that the fetcher already explained on stderr.
var ErrReported = errors.New("reported by " + syncProgram)

// SyncFetcher returns a token.Fetcher that runs `claude-auth-sync sync --on-miss` with the environment as received and
// only stderr open, killed at the deadline (os.StartProcess: the per-launch binary does not link os/exec).
func SyncFetcher(environ []string, cfg *config.Config, stderr *os.File) token.Fetcher {
	return func(deadline time.Time) error {
		path, ok := Beside(syncProgram, environ)
		if !ok {
			return token.Wrap("cannot look up Vault: ", ErrNotFound, ": no "+syncProgram+" beside claude-launch or in PATH; install it")
		}
		null, err := os.Open(os.DevNull)
		if err != nil {
			return err
		}
		defer null.Close()
		// The margin leaves claude-auth-sync time to report a failure before the deadline.
		argv := []string{syncProgram, "sync", "--on-miss", "--deadline-unix-ms=" + strconv.FormatInt(deadline.Add(-150*time.Millisecond).UnixMilli(), 10)}
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
			return errors.New(syncProgram + " sync was killed by " + ws.Signal().String())
		}
		return errors.New(syncProgram + " sync exited with status " + strconv.Itoa(st.ExitCode()))
	}
}
