package offline

import (
	"errors"
	"testing"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

// New starts a harness for t and closes it when t ends. Without the
// namespaces (not root) it skips t, or fails it when tools are required.
func New(t testing.TB, opts Options) *Harness {
	t.Helper()
	h, err := Start(t.TempDir(), opts)
	if errors.Is(err, ErrNoNamespaces) {
		testenv.Missing(t, "private namespaces for the offline claude", "run the tests as root ("+err.Error()+")")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}
