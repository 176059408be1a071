package launch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
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
// environment given, its stdout discarded (stdout belongs to the child to
// come) and its stderr on stderr. It is killed when ctx ends.
func SyncFetcher(environ []string, cfg token.Config, stderr io.Writer) token.Fetcher {
	return func(ctx context.Context) error {
		path := ""
		if dir := SelfDir(); dir != "" {
			if p := filepath.Join(dir, SyncProgram); isExecutable(p) {
				path = p
			}
		}
		if path == "" {
			v, _ := Lookup(environ, "PATH")
			f, err := Find(SyncProgram, "", "PATH", v)
			if err != nil {
				return fmt.Errorf("cannot look up Vault: %w", err)
			}
			path = f.Path
		}
		// The child gets the settings as the launcher understood them, so
		// that a malformed value is reported once, by the launcher.
		timeout := cfg.VaultTimeout
		if dl, ok := ctx.Deadline(); ok {
			timeout = max(time.Until(dl)-childMargin, 100*time.Millisecond)
		}
		env := Setenv(environ, token.EnvVaultTimeout, timeout.String())
		env = Setenv(env, token.EnvNegativeTTL, cfg.NegativeTTL.String())
		cmd := exec.CommandContext(ctx, path, "sync", "--on-miss")
		cmd.Env = env
		cmd.Stderr = stderr
		err := cmd.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return fmt.Errorf("%s gave no answer in time (%s): %w", SyncProgram, token.EnvVaultTimeout, ctx.Err())
		case errors.As(err, &ee) && ee.ExitCode() == ExitReported:
			return ErrReported
		}
		return fmt.Errorf("%s sync: %w", SyncProgram, err)
	}
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && executable(fi)
}
