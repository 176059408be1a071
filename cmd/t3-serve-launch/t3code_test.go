package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/log"
)

// TestT3CodeBinaryPath: the start-up log says whether T3 Code's agents pass
// through claude-launch, reading its settings file in either form
// (providers.claudeAgent, or a provider instance of driver claudeAgent).
// claude-launch itself is built by TestMain, beside bin; any other absolute
// path, a bare name (looked up in a PATH T3 Code rebuilds) and no setting at all
// are not known to be claude-launch.
func TestT3CodeBinaryPath(t *testing.T) {
	launcher := filepath.Join(filepath.Dir(bin), "claude-launch")
	// claude-launch without its execute bit, which T3 Code cannot start.
	noExec := filepath.Join(t.TempDir(), "claude-launch")
	if b, err := os.ReadFile(launcher); err != nil || os.WriteFile(noExec, b, 0o644) != nil {
		t.Fatal(err)
	}
	instances := `{"providerInstances":{"b":{"driver":"claudeAgent","config":{"binaryPath":"/usr/bin/true"}},` +
		`"a":{"driver":"claudeAgent","config":{"binaryPath":"` + launcher + `"}},"c":{"driver":"codex","config":{"binaryPath":"/usr/bin/true"}}}}`
	for _, tc := range []struct {
		name, settings, want string
	}{
		{"none", "", `T3 Code starts claude as "claude" from the PATH`},
		{"default", `{"providers":{"claudeAgent":{"enabled":true,"binaryPath":""}}}`, `T3 Code starts claude as "claude" from the PATH`},
		{"bare name", `{"providers":{"claudeAgent":{"binaryPath":"claude-launch"}}}`, `T3 Code starts claude as "claude-launch", a name it looks up in the PATH it builds from your login shell (its entries first), which need not find claude-launch`},
		{"real claude", `{"providers":{"claudeAgent":{"binaryPath":"/usr/bin/true"}}}`, `T3 Code starts claude as "/usr/bin/true"`},
		{"launcher", `{"providers":{"claudeAgent":{"binaryPath":"` + launcher + `"}}}`, "T3 Code's agents start through claude-launch"},
		{"instance", `{"providerInstances":{"claudeAgent":{"driver":"claudeAgent","config":{"binaryPath":"` + launcher + `"}}}}`, "T3 Code's agents start through claude-launch"},
		{"broken", `{"providers":`, "settings.json: unexpected end of JSON input"},
		{"launcher without its execute bit", `{"providers":{"claudeAgent":{"binaryPath":"` + noExec + `"}}}`,
			`T3 Code cannot start claude: "` + noExec + `" is not a file you may execute, so its agents fail to start; set the Claude provider's binary path`},
		{"nothing there", `{"providers":{"claudeAgent":{"binaryPath":"/nonexistent/claude-launch"}}}`,
			`T3 Code cannot start claude: there is nothing you can reach at "/nonexistent/claude-launch", so its agents fail to start`},
		// Each instance judged, by name: the one that bypasses is said.
		{"several instances", instances, "T3 Code's agents start through claude-launch setting=providerInstances.a.config.binaryPath binaryPath=" + launcher +
			"\nWARN T3 Code starts claude as \"/usr/bin/true\", not claude-launch: its agents do not pass through claude-launch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			t.Setenv("HOME", home)
			writeT3Settings(t, home, tc.settings)
			var out bytes.Buffer
			checkT3Code(log.NewWithOptions(&out, log.Options{Level: log.InfoLevel}))
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("logged %q, want %q", out.String(), tc.want)
			}
			if strings.Contains(tc.want, "starts claude as") && !strings.Contains(out.String(), "setting=provider") {
				t.Errorf("the warning does not name the setting: %q", out.String())
			}
		})
	}
}

// TestT3CodeSettingsFIFO: a settings file that is a named pipe is refused
// at once, with what to do; the server's start never waits on it.
func TestT3CodeSettingsFIFO(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	p := filepath.Join(home, t3Settings)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	done := make(chan struct{})
	go func() { checkT3Code(log.NewWithOptions(&out, log.Options{Level: log.InfoLevel})); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the start waits on a FIFO for T3 Code's settings")
	}
	if !strings.Contains(out.String(), "named pipe") {
		t.Errorf("logged %q, want it to say the settings file is a named pipe", out.String())
	}
}

// writeT3Settings writes T3 Code's settings file below home; "" writes none.
func writeT3Settings(t *testing.T, home, settings string) {
	t.Helper()
	if settings == "" {
		return
	}
	p := filepath.Join(home, t3Settings)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}
}
