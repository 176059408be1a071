//go:build coverflush

package launch

import (
	"os"
	"runtime/coverage"
)

// beforeExec, in a build for the end-to-end tests (-cover -tags coverflush), writes the coverage counters that the exec would discard.
func beforeExec() {
	if dir := os.Getenv("GOCOVERDIR"); dir != "" {
		if err := coverage.WriteCountersDir(dir); err != nil {
			os.Stderr.WriteString("coverflush: " + err.Error() + "\n")
		}
	}
}
