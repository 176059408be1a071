package main

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the help sections of docs/commands.md")

// TestCommandsDoc: docs/commands.md shows the real --help of each command.
func TestCommandsDoc(t *testing.T) {
	dir := t.TempDir()
	if err := testenv.BuildCommands(dir, "github.com/claude-launch/claude-launch/cmd/claude-auth-sync"); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"sync", "status", "enable", "rotate", "disable"} {
		c := exec.Command(filepath.Join(dir, "claude-auth-sync"), cmd, "--help")
		c.Env = []string{"HOME=/home/you", "PATH=" + os.Getenv("PATH")}
		out, err := c.Output()
		if err != nil {
			t.Fatalf("%s --help: %v", cmd, err)
		}
		want := "\n```\n$ claude-auth-sync " + cmd + " --help\n" + strings.TrimRight(string(out), "\n") + "\n```\n"
		testenv.CheckDocSection(t, "docs/commands.md", "HELP claude-auth-sync "+cmd, want, *update)
	}
}
