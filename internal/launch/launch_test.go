package launch

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/pkg/token"
)

func TestChildEnv(t *testing.T) {
	tok, err := token.NewSecret(token.Prefix + "abc")
	if err != nil {
		t.Fatal(err)
	}
	in := []string{"A=1", "CLAUDE_CODE_OAUTH_TOKEN=old", "CLAUDE_LAUNCH_DEPTH=2", "B=", "CLAUDE_CODE_OAUTH_TOKEN=older"}
	got := ChildEnv(in, tok, 3)
	want := []string{"A=1", "B=", "CLAUDE_LAUNCH_DEPTH=3", "CLAUDE_CODE_OAUTH_TOKEN=" + token.Prefix + "abc"}
	if !slices.Equal(got, want) {
		t.Errorf("with token: %q", got)
	}
	got = ChildEnv(in, token.Secret{}, 1)
	want = []string{"A=1", "CLAUDE_CODE_OAUTH_TOKEN=old", "B=", "CLAUDE_CODE_OAUTH_TOKEN=older", "CLAUDE_LAUNCH_DEPTH=1"}
	if !slices.Equal(got, want) {
		t.Errorf("without token: %q", got)
	}
	if !slices.Equal(in, []string{"A=1", "CLAUDE_CODE_OAUTH_TOKEN=old", "CLAUDE_LAUNCH_DEPTH=2", "B=", "CLAUDE_CODE_OAUTH_TOKEN=older"}) {
		t.Error("ChildEnv changed its input")
	}
}

func TestDepthAndLookup(t *testing.T) {
	for in, want := range map[string]int{"": 0, "3": 3, "x": 0, "-1": 0} {
		env := []string{}
		if in != "" {
			env = append(env, "CLAUDE_LAUNCH_DEPTH="+in, "CLAUDE_LAUNCH_DEPTH=9")
		}
		if got := Depth(env); got != want {
			t.Errorf("Depth(%q) = %d, want %d (the first value counts, as getenv)", in, got, want)
		}
	}
	if v, ok := Lookup([]string{"X=1", "X=2"}, "X"); !ok || v != "1" {
		t.Errorf("Lookup = %q %v", v, ok)
	}
	if got := Setenv([]string{"X=1", "Y=2", "X=3"}, "X", "4"); !slices.Equal(got, []string{"Y=2", "X=4"}) {
		t.Errorf("Setenv = %q", got)
	}
	if got := Overriding([]string{"ANTHROPIC_API_KEY=", "ANTHROPIC_AUTH_TOKEN=x"}); !slices.Equal(got, []string{"ANTHROPIC_AUTH_TOKEN"}) {
		t.Errorf("Overriding = %q", got)
	}
}

func TestFindSkipsSelf(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	shim, real, empty := t.TempDir(), t.TempDir(), t.TempDir()
	if err := os.Symlink(self, filepath.Join(shim, "prog")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(real, "prog"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(empty, "prog"), []byte("not executable"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Find("prog", "", "PROG", strings.Join([]string{"", "relative", empty, shim, real}, ":"))
	if err != nil || f.Path != filepath.Join(real, "prog") || f.Argv0 != "prog" {
		t.Errorf("Find = %+v, %v", f, err)
	}
	_, err = Find("prog", "", "PROG", shim)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "other than this launcher") {
		t.Errorf("only self in PATH: %v", err)
	}
	if _, err = Find("prog", filepath.Join(shim, "prog"), "PROG", real); err == nil || !strings.Contains(err.Error(), "is this launcher") {
		t.Errorf("explicit self: %v", err)
	}
	f, err = Find("prog", filepath.Join(real, "prog"), "PROG", "")
	if err != nil || f.Argv0 != filepath.Join(real, "prog") {
		t.Errorf("explicit: %+v %v", f, err)
	}
}

func TestLogger(t *testing.T) {
	var b bytes.Buffer
	l := NewLogger(&b, "claude-launch", LevelWarn)
	tok, _ := token.NewSecret(token.Prefix + "TESTtokenVALUE")
	l.Debug("hidden")
	l.Info("hidden")
	l.Warn("something happened", "path", "/a b", "token", tok, "n", 1)
	l.Error("bad")
	want := "WARN claude-launch: something happened path=\"/a b\" token=[REDACTED] n=1\nERRO claude-launch: bad\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
	for in, want := range map[string]Level{"": LevelWarn, "debug": LevelDebug, "INFO": LevelInfo, "error": LevelError} {
		if got, err := ParseLevel(in); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseLevel("loud"); err == nil {
		t.Error("ParseLevel accepted loud")
	}
}
