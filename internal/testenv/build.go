package testenv

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// CoverDirEnv names the directory where the programs that end-to-end tests
// run write their coverage counters; `make cover` sets it and merges them
// with the unit tests' profile.
const CoverDirEnv = "CLAUDE_LAUNCH_COVERDIR"

// CoverDir is the GOCOVERDIR to give the programs the tests run, "" without
// coverage: $CLAUDE_LAUNCH_COVERDIR, else the test binary's own
// -test.gocoverdir.
func CoverDir() string {
	if testing.CoverMode() == "" {
		return ""
	}
	if d := os.Getenv(CoverDirEnv); d != "" {
		return d
	}
	if f := flag.Lookup("test.gocoverdir"); f != nil {
		return f.Value.String()
	}
	return ""
}

// CoverEnv adds GOCOVERDIR to env when the tests measure coverage, so that
// the programs they run count (see CoverDir).
func CoverEnv(env []string) []string {
	if d := CoverDir(); d != "" {
		return append(env, "GOCOVERDIR="+d)
	}
	return env
}

// BuildCommands builds the packages (import paths of commands) into dir as
// installed: trimmed paths, stripped. Under coverage they are built with
// -cover for every package of this module, as age does for its end-to-end
// tests, so that what the scripts run counts.
func BuildCommands(dir string, pkgs ...string) error {
	args := []string{"build", "-trimpath", "-o", dir + "/"}
	if testing.CoverMode() != "" {
		// coverflush: write the counters before an exec, which would
		// discard them (internal/launch/coverflush.go).
		// Atomic, as the flush requires: go test -race -cover uses it too.
		args = append(args, "-cover", "-covermode=atomic", "-coverpkg=github.com/claude-launch/claude-launch/...", "-tags=coverflush")
	} else {
		args = append(args, "-ldflags=-s -w")
	}
	out, err := exec.Command("go", append(args, pkgs...)...).CombinedOutput()
	if err != nil {
		return errors.New("build " + dir + ": " + err.Error() + "\n" + string(out))
	}
	return nil
}

// Deb runs `make deb` in root (the module's root) into bin, env added, and
// returns the package's path.
func Deb(root, bin string, env ...string) (string, error) {
	cmd := exec.Command("make", "--no-print-directory", "-C", root, "deb", "BIN="+bin)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", errors.New("make deb: " + err.Error() + "\n" + string(out))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1], nil
}
