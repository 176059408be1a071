package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHotPathSymbols guards the start-up budget: claude-launch runs before
// every agent, and each of these, merely linked, measurably slows a Go
// program's start (docs/startup.md) or is work only claude-auth-sync
// may do (writing, locking, Vault). It reads the symbols of the binary as
// built, not the package list, which names packages whose code the linker
// then drops (fmt for one type) and misses nothing that is linked.
func TestHotPathSymbols(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "claude-launch")
	if out, err := exec.Command("go", "build", "-trimpath", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command("go", "tool", "nm", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	forbidden := []string{
		"github.com/hashicorp/", "github.com/alecthomas/kong", "github.com/charmbracelet/", "github.com/coreos/",
		"github.com/claude-launch/claude-launch/internal/store", "github.com/claude-launch/claude-launch/internal/vault",
		"github.com/claude-launch/claude-launch/pkg/cgroup", "github.com/claude-launch/claude-launch/internal/cli",
		"log/slog", "log", "fmt", "context", "crypto/", "encoding/json", "net", "net/http", "os/user", "os/exec",
		"os/signal", "debug/", "runtime/debug.ReadBuildInfo", "runtime/debug.ParseBuildInfo",
	}
	found := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		sym := f[len(f)-1]
		for _, p := range forbidden {
			if strings.HasPrefix(sym, p+".") || strings.HasSuffix(p, "/") && strings.HasPrefix(sym, p) || sym == p {
				found[p] = true
			}
		}
	}
	for p := range found {
		t.Errorf("claude-launch links %s, which the per-launch path must not pay for", p)
	}
}

// TestLayering: no package under pkg/ imports one under internal/, so that
// the libraries stand alone.
func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "../../pkg/...").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		for _, imp := range f[1:] {
			if strings.Contains(imp, "/claude-launch/internal/") {
				t.Errorf("%s imports %s", f[0], imp)
			}
		}
	}
}
