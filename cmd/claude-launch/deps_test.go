package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestHotPathDependencies guards the start-up budget: claude-launch runs
// before every agent, and each of these, merely linked, measurably slows a
// Go program's start (DESIGN.md, Hot path). The benchmark measures; this
// keeps a stray import from undoing it unnoticed.
func TestHotPathDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	forbidden := []string{
		"github.com/hashicorp/vault/api", "github.com/alecthomas/kong", "github.com/charmbracelet/log",
		"log/slog", "crypto/sha256", "crypto/internal/fips140", "os/exec", "encoding/json", "net/http", "os/user",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f+"/") {
				t.Errorf("claude-launch links %s, which the per-launch path must not pay for", dep)
			}
		}
	}
}
