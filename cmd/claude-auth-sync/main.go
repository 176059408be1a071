// Command claude-auth-sync keeps a user's Claude Code setup token where every launcher finds
// it: it reads the token from the user's own Vault path and writes it to the env file.
package main

import (
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/claude-launch/claude-launch/internal/cli"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/launch"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if msg := secretOnArgv(args); msg != "" { // refused before kong could echo it
		os.Stderr.WriteString("claude-auth-sync: error: " + msg + "\n")
		return launch.ExitUsage
	}
	var c CLI
	kctx, cfg, problems, ok := cli.Parse(&c, config.ForSync, "claude-auth-sync", "Keep your Claude Code setup token where every claude-launch "+
		"finds it, guard claude's rotating login when you have none, and say which your agents use.", args)
	if !ok {
		return launch.ExitUsage
	}
	logger := cli.NewLogger("claude-auth-sync", cfg.LogLevel)
	if !c.Sync.OnMiss { // on a miss, claude-launch has already reported them
		cli.Warn(logger, problems)
	}
	if msg := homeProblem(&cfg); msg != "" {
		logger.Error(msg)
		return launch.ExitFailed
	}
	kctx.BindTo(os.Stdin, (*io.Reader)(nil))
	kctx.BindTo(os.Stdout, (*io.Writer)(nil))
	err := kctx.Run(&cfg, logger)
	var usage errUsage
	switch {
	case err == nil:
		return launch.ExitOK
	case errors.As(err, &usage):
		kctx.Errorf("%s", usage.msg)
		return launch.ExitUsage
	case !errors.Is(err, errReported):
		logger.Error(err.Error())
	}
	return launch.ExitFailed
}

// homeProblem says why the env file and state cannot be found ("" when they can): HOME unset
// and no paths given, or naming a directory that does not exist, which no command may create.
func homeProblem(cfg *config.Config) string {
	if cfg.EnvFile == "" || cfg.StateDir == "" {
		return "HOME is not set, or not an absolute path, so claude-auth-sync cannot find your env file or its state: " +
			"set HOME (systemd user units have it; a system unit needs Environment=HOME=…), or set " + config.EnvEnvFile + " and " + config.EnvStateDir
	}
	if home := os.Getenv("HOME"); home != "" {
		if _, err := os.Stat(home); errors.Is(err, fs.ErrNotExist) {
			return "HOME=" + home + " does not exist: set HOME to your home directory; nothing was read or written"
		}
	}
	return ""
}
