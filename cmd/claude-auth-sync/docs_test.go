package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

// buildBoth builds claude-auth-sync and t3-serve-launch into a new
// directory.
func buildBoth(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := testenv.BuildCommands(dir, "github.com/claude-launch/claude-launch/cmd/claude-auth-sync",
		"github.com/claude-launch/claude-launch/cmd/t3-serve-launch"); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runIn runs a program with env and args; it returns stdout, stderr and
// the exit code.
func runIn(t *testing.T, prog string, env []string, args ...string) (string, string, int) {
	t.Helper()
	c := exec.Command(prog, args...)
	c.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	err := c.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// TestHelpShape: help COMMAND is COMMAND --help; a bare command lists the
// commands; a command's own flags come before the shared ones; -v gets an
// answer, not a suggestion of -h.
func TestHelpShape(t *testing.T) {
	bin := filepath.Join(buildBoth(t), "claude-auth-sync")
	env := []string{"HOME=" + t.TempDir()}
	want, _, _ := runIn(t, bin, env, "status", "--help")
	if got, _, code := runIn(t, bin, env, "help", "status"); got != want || code != 0 {
		t.Errorf("help status (exit %d):\n%s\nwant status --help:\n%s", code, got, want)
	}
	if json, config := strings.Index(want, "--json"), strings.Index(want, "--config"); json < 0 || json > config {
		t.Errorf("status --help lists --json at %d, after --config at %d:\n%s", json, config, want)
	}
	out, _, code := runIn(t, bin, env)
	for _, c := range []string{"sync", "status", "enable", "rotate", "disable", "settings", "help"} {
		if !regexp.MustCompile(`(?m)^  `+c+` `).MatchString(out) || code != 0 {
			t.Errorf("bare claude-auth-sync (exit %d) does not list %s:\n%s", code, c, out)
		}
	}
	_, stderr, code := runIn(t, bin, env, "-v")
	if code != 2 || strings.Contains(stderr, `"-h"`) || !strings.Contains(stderr, "--version prints the version") {
		t.Errorf("-v: exit %d, %q", code, stderr)
	}
	if _, stderr, code := runIn(t, bin, env, "help", "nope"); code != 2 || !strings.Contains(stderr, "nope") {
		t.Errorf("help nope: exit %d, %q", code, stderr)
	}
}

// TestSettingsOrigin: settings says where each value came from: a flag,
// the environment, the config file and its line, the default, and the
// default in place of a refused value.
func TestSettingsOrigin(t *testing.T) {
	bin := filepath.Join(buildBoth(t), "claude-auth-sync")
	home := t.TempDir()
	file := filepath.Join(home, ".config", "claude-launch", "config")
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("# Vault\nVAULT_ADDR=https://vault.example:8200\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runIn(t, bin, []string{"HOME=" + home, "CLAUDE_LAUNCH_LOG_LEVEL=debug", "CLAUDE_LAUNCH_NEGATIVE_TTL=soon"},
		"settings", "--vault-mount=kv")
	if code != 0 {
		t.Fatalf("settings: exit %d\n%s", code, stderr)
	}
	for _, re := range []string{
		`config file ` + regexp.QuoteMeta(file) + ` line 2 +VAULT_ADDR=https://vault.example:8200`,
		`environment +CLAUDE_LAUNCH_LOG_LEVEL=debug`,
		`flag --vault-mount +CLAUDE_LAUNCH_VAULT_MOUNT=kv`,
		`default +CLAUDE_LAUNCH_VAULT_TIMEOUT=2s`,
		`default \(environment refused\) +CLAUDE_LAUNCH_NEGATIVE_TTL=10m`,
	} {
		if !regexp.MustCompile(`(?m)^` + re + `$`).MatchString(out) {
			t.Errorf("no line %q in:\n%s", re, out)
		}
	}
}

// TestGeneratedDocs: the man pages render without a warning and the
// completions parse in their shells and complete commands and flags.
func TestGeneratedDocs(t *testing.T) {
	dir := buildBoth(t)
	share := filepath.Join(dir, "share")
	for _, p := range []string{"claude-auth-sync", "t3-serve-launch"} {
		if _, stderr, code := runIn(t, filepath.Join(dir, p), nil, "--generate-docs", share); code != 0 {
			t.Fatalf("%s --generate-docs: exit %d %s", p, code, stderr)
		}
	}
	check := func(name, install string, files []string, args ...string) {
		t.Run(name, func(t *testing.T) {
			tool := testenv.Tool(t, name, install)
			for _, f := range files {
				_, stderr, code := runIn(t, tool, []string{"MANWIDTH=80", "HOME=" + dir}, append(args, filepath.Join(share, f))...)
				if code != 0 || stderr != "" {
					t.Errorf("%s %s: exit %d\n%s", name, f, code, stderr)
				}
			}
		})
	}
	pages := []string{"man/man1/claude-auth-sync.1", "man/man1/t3-serve-launch.1", "man/man1/claude-launch.1"}
	check("groff", "apt-get install groff-base", pages, "-man", "-ww", "-z")
	check("man", "apt-get install man-db", pages, "-l")
	check("bash", "apt-get install bash", []string{"bash-completion/completions/claude-auth-sync", "bash-completion/completions/t3-serve-launch"}, "-n")
	check("zsh", "apt-get install zsh", []string{"zsh/site-functions/_claude-auth-sync", "zsh/site-functions/_t3-serve-launch"}, "-n")
	check("fish", "apt-get install fish", []string{"fish/vendor_completions.d/claude-auth-sync.fish", "fish/vendor_completions.d/t3-serve-launch.fish"}, "-n")

	complete := map[string][2]string{
		"bash": {"source " + filepath.Join(share, "bash-completion/completions/claude-auth-sync") +
			`; COMP_WORDS=(claude-auth-sync status --j); COMP_CWORD=2; _claude_auth_sync; echo "${COMPREPLY[@]}"`, "--json"},
		"fish": {"source " + filepath.Join(share, "fish/vendor_completions.d/claude-auth-sync.fish") + "; complete -C 'claude-auth-sync sta'", "status\t"},
	}
	for sh, c := range complete {
		t.Run(sh+"-complete", func(t *testing.T) {
			out, stderr, _ := runIn(t, testenv.Tool(t, sh, "apt-get install "+sh), []string{"HOME=" + dir}, "-c", c[0])
			if !strings.HasPrefix(out, c[1]) {
				t.Errorf("%s completes to %q (%s), want %q", sh, out, stderr, c[1])
			}
		})
	}
}
