package launch

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/claude-launch/claude-launch/pkg/token"
)

// SyncProgram is the program that reads Vault for a launcher on a miss.
const SyncProgram = "claude-auth-sync"

// ExitReported is claude-auth-sync's exit code for an error it has
// explained on stderr; the launcher then adds no warning of its own. (Usage
// errors exit 2, as does a Go panic.)
const ExitReported = 1

// ErrReported wraps a fetch failure that the fetcher already explained on
// stderr.
var ErrReported = errors.New("reported by " + SyncProgram)

// childMargin is kept from the look-up bound for claude-auth-sync to report
// a failure before the launcher stops waiting for it.
const childMargin = 150 * time.Millisecond

// SyncFetcher returns a token.Fetcher that runs `claude-auth-sync sync
// --on-miss`, found beside this executable or else in PATH, with the
// environment given and the settings as cfg holds them, its stdin and
// stdout on /dev/null (stdout belongs to the program to come) and its
// stderr on stderr. It is killed at the deadline.
//
// It uses os.StartProcess rather than os/exec, which the per-launch binary
// does not link.
func SyncFetcher(environ []string, cfg token.Config, stderr *os.File) token.Fetcher {
	return func(deadline time.Time) error {
		path, err := syncPath(environ)
		if err != nil {
			return err
		}
		// The child gets the settings as the launcher understood them, so
		// that a malformed value is reported once, by the launcher.
		timeout := max(time.Until(deadline)-childMargin, 100*time.Millisecond).Round(time.Millisecond)
		env := Setenv(environ, token.EnvVaultTimeout, timeout.String())
		env = Setenv(env, token.EnvNegativeTTL, cfg.NegativeTTL.String())
		null, err := os.Open(os.DevNull)
		if err != nil {
			return err
		}
		defer null.Close()
		p, err := os.StartProcess(path, []string{SyncProgram, "sync", "--on-miss"}, &os.ProcAttr{
			Env:   env,
			Files: []*os.File{null, null, stderr},
		})
		if err != nil {
			return errors.New("cannot look up Vault: start " + path + ": " + err.Error())
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
			return errors.New(SyncProgram + " gave no answer within " + cfg.VaultTimeout.String() + " (" + token.EnvVaultTimeout + ")")
		case st.ExitCode() == ExitReported:
			return ErrReported
		}
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return errors.New(SyncProgram + " sync was killed by " + ws.Signal().String())
		}
		return errors.New(SyncProgram + " sync exited with status " + strconv.Itoa(st.ExitCode()))
	}
}

// syncPath finds claude-auth-sync beside this executable, else in PATH.
func syncPath(environ []string) (string, error) {
	if dir := SelfDir(); dir != "" {
		p := filepath.Join(dir, SyncProgram)
		if fi, err := os.Stat(p); err == nil && executable(fi) {
			return p, nil
		}
	}
	v, _ := Lookup(environ, "PATH")
	f, err := Find(SyncProgram, "", "PATH", v)
	if err != nil {
		return "", errors.New("cannot look up Vault: " + err.Error())
	}
	return f.Path, nil
}
