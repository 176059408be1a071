package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/testenv"
)

// TestSyncWithoutHome: with the env file and state dir set but neither HOME
// nor CLAUDE_CONFIG_DIR, sync says why it cannot guard claude's login
// instead of failing in silence.
func TestSyncWithoutHome(t *testing.T) {
	bin := t.TempDir()
	if err := testenv.BuildCommands(bin, "github.com/claude-launch/claude-launch/cmd/claude-auth-sync"); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	env := []string{config.EnvEnvFile + "=" + filepath.Join(state, "claude.env"), config.EnvStateDir + "=" + state}
	_, stderr, code := runIn(t, filepath.Join(bin, "claude-auth-sync"), env, "sync")
	if code != 1 || !strings.Contains(stderr, "no home directory: cannot find claude's login (set HOME or CLAUDE_CONFIG_DIR)") {
		t.Errorf("sync without HOME: exit %d, stderr %q", code, stderr)
	}
}
