package launch

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// helperEnviron makes the test binary, started by TestEnvironKeepsDuplicates,
// print what Environ returns.
const helperEnviron = "LAUNCH_TEST_PRINT_ENVIRON"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnviron) == "1" {
		os.Stdout.WriteString(strings.Join(Environ(), "\x00"))
		os.Exit(0)
	}
	code := m.Run()
	if launcher != "" {
		os.RemoveAll(filepath.Dir(launcher))
	}
	os.Exit(code)
}

func TestChildEnv(t *testing.T) {
	tok, err := token.NewSecret(token.Prefix + "abc")
	if err != nil {
		t.Fatal(err)
	}
	in := []string{"A=1", "CLAUDE_CODE_OAUTH_TOKEN=old", "CLAUDE_LAUNCH_DEPTH=2", "B=", "A=2", "CLAUDE_CODE_OAUTH_TOKEN=older", "NOEQUALS"}
	got := ChildEnv(in, tok, 3)
	want := []string{"A=1", "B=", "A=2", "NOEQUALS", "CLAUDE_LAUNCH_DEPTH=3", "CLAUDE_CODE_OAUTH_TOKEN=" + token.Prefix + "abc"}
	if !slices.Equal(got, want) {
		t.Errorf("with token: %q", got)
	}
	got = ChildEnv(in, token.Secret{}, 1)
	want = []string{"A=1", "CLAUDE_CODE_OAUTH_TOKEN=old", "B=", "A=2", "CLAUDE_CODE_OAUTH_TOKEN=older", "NOEQUALS", "CLAUDE_LAUNCH_DEPTH=1"}
	if !slices.Equal(got, want) {
		t.Errorf("without token: %q", got)
	}
	if !slices.Equal(in, []string{"A=1", "CLAUDE_CODE_OAUTH_TOKEN=old", "CLAUDE_LAUNCH_DEPTH=2", "B=", "A=2", "CLAUDE_CODE_OAUTH_TOKEN=older", "NOEQUALS"}) {
		t.Error("ChildEnv changed its input")
	}
	if got := Setenv([]string{"X=1", "Y=2", "X=3"}, "X", "4"); !slices.Equal(got, []string{"Y=2", "X=4"}) {
		t.Errorf("Setenv = %q", got)
	}
	if got := Overriding([]string{"ANTHROPIC_API_KEY=", "ANTHROPIC_AUTH_TOKEN=x"}); !slices.Equal(got, []string{"ANTHROPIC_AUTH_TOKEN"}) {
		t.Errorf("Overriding = %q", got)
	}
}

// TestEnvironKeepsDuplicates: what the kernel handed over, every entry in
// order, duplicates too (os.Environ drops them).
func TestEnvironKeepsDuplicates(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	env := []string{helperEnviron + "=1", "A=1", "B=x=y", "A=2", "EMPTY=", "A=1"}
	p, err := os.StartProcess(self, []string{self}, &os.ProcAttr{Env: env, Files: []*os.File{nil, w, os.Stderr}})
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(r)
	if _, err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(string(out), "\x00"); !slices.Equal(got, env) {
		t.Errorf("Environ = %q, want %q", got, env)
	}
}

var (
	buildOnce sync.Once
	launcher  string
	buildErr  error
)

// builtLauncher builds claude-launch once for the tests that need a real
// one.
func builtLauncher(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "launch-test")
		if err != nil {
			buildErr = err
			return
		}
		launcher = filepath.Join(dir, "claude-launch")
		out, err := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", launcher, "../../cmd/claude-launch").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return launcher
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestFindSkipsEveryLauncher: the test binary itself (this very file), and
// two copies of claude-launch that are neither this file nor each other,
// are all skipped; the real program after them is found.
func TestFindSkipsEveryLauncher(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	l := builtLauncher(t)
	shim, a, b, real, empty := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	if err := os.Symlink(self, filepath.Join(shim, "prog")); err != nil {
		t.Fatal(err)
	}
	copyFile(t, l, filepath.Join(a, "prog"))
	copyFile(t, l, filepath.Join(b, "prog"))
	if err := os.WriteFile(filepath.Join(real, "prog"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(empty, "prog"), []byte("not executable"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Find("prog", "", "PROG", strings.Join([]string{"", "relative", empty, shim, a, b, real}, ":"))
	if err != nil || f.Path != filepath.Join(real, "prog") || f.Argv0 != "prog" {
		t.Errorf("Find = %+v, %v", f, err)
	}
	_, err = Find("prog", "", "PROG", strings.Join([]string{shim, a, b}, ":"))
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no prog other than claude-launch in PATH") {
		t.Errorf("only launchers in PATH: %v", err)
	}
	for _, p := range []string{filepath.Join(shim, "prog"), filepath.Join(a, "prog")} {
		if _, err = Find("prog", p, "PROG", real); err == nil || !strings.Contains(err.Error(), "is a claude-launch, not the real prog") {
			t.Errorf("explicit launcher %s: %v", p, err)
		}
	}
	f, err = Find("prog", filepath.Join(real, "prog"), "PROG", "")
	if err != nil || f.Argv0 != filepath.Join(real, "prog") {
		t.Errorf("explicit: %+v %v", f, err)
	}
	// A bare name is looked up in PATH, launchers skipped; never in ".".
	if err := os.WriteFile(filepath.Join(real, "prog-stable"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err = Find("prog", "prog-stable", "PROG", strings.Join([]string{a, real}, ":"))
	if err != nil || f.Path != filepath.Join(real, "prog-stable") || f.Argv0 != "prog-stable" {
		t.Errorf("bare name: %+v %v", f, err)
	}
	t.Chdir(real)
	if _, err := Find("prog", "prog-stable", "PROG", a); !errors.Is(err, ErrNotFound) {
		t.Errorf("bare name found outside PATH: %v", err)
	}
}

// TestRealClaudeIsNotALauncher: the npm claude (a native binary) is read
// and passed over as not a launcher.
func TestRealClaudeIsNotALauncher(t *testing.T) {
	claude := testenv.Claude(t)
	if IsLauncher(claude) {
		t.Errorf("%s taken for a launcher", claude)
	}
	if !IsLauncher(builtLauncher(t)) {
		t.Error("claude-launch not recognised")
	}
}

func TestLogger(t *testing.T) {
	var b bytes.Buffer
	l := NewLogger(&b, "claude-launch", config.LevelWarn)
	tok, _ := token.NewSecret(token.Prefix + "TESTtokenVALUE")
	l.Debug("hidden")
	l.Warn("something happened", "path", "/a b", "token", tok, "n", 1)
	l.Error("bad")
	want := "WARN claude-launch: something happened path=\"/a b\" token=[REDACTED] n=1\nERRO claude-launch: bad\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}
