//go:build coverflush

package main

import (
	"os"
	"runtime/coverage"

	"github.com/claude-launch/claude-launch/internal/launch"
)

// In a build for the end-to-end tests (-cover -tags coverflush), write the
// coverage counters before the exec, which would discard them.
func init() {
	launch.BeforeExec = func() {
		if dir := os.Getenv("GOCOVERDIR"); dir != "" {
			if err := coverage.WriteCountersDir(dir); err != nil {
				os.Stderr.WriteString("coverflush: " + err.Error() + "\n")
			}
		}
	}
}
