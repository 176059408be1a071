package testenv

import (
	"errors"
	"flag"
	"os/exec"
	"testing"
)

// CoverDir is where a test binary run with -cover writes its coverage
// counters (-test.gocoverdir), "" without coverage. Programs built by
// BuildCommands write theirs there too when GOCOVERDIR names it, and
// `go test` then counts them.
func CoverDir() string {
	if testing.CoverMode() == "" {
		return ""
	}
	if f := flag.Lookup("test.gocoverdir"); f != nil {
		return f.Value.String()
	}
	return ""
}

// BuildCommands builds the packages (import paths of commands) into dir as
// installed: trimmed paths, stripped. Under coverage they are built with
// -cover for every package of this module, as age does for its end-to-end
// tests, so that what the scripts run counts.
func BuildCommands(dir string, pkgs ...string) error {
	args := []string{"build", "-trimpath", "-o", dir + "/"}
	if testing.CoverMode() != "" {
		args = append(args, "-cover", "-covermode="+testing.CoverMode(), "-coverpkg=github.com/claude-launch/claude-launch/...")
	} else {
		args = append(args, "-ldflags=-s -w")
	}
	out, err := exec.Command("go", append(args, pkgs...)...).CombinedOutput()
	if err != nil {
		return errors.New("build " + dir + ": " + err.Error() + "\n" + string(out))
	}
	return nil
}
