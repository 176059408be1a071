package main

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
)

// TestRestartOld: the agents on another credential are named, one command
// restarts every tmux pane among them, and the old token is to be revoked.
func TestRestartOld(t *testing.T) {
	old, err := token.NewSecret(token.Prefix + "TESTtokenVALUE_restart_old")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := token.NewSecret(token.Prefix + "TESTtokenVALUE_restart_new")
	if err != nil {
		t.Fatal(err)
	}
	for _, pane := range []string{"%97", "%98"} {
		c := exec.Command("sleep", "60")
		c.Env = []string{"CLAUDE_LAUNCH_DEPTH=1", "TMUX_PANE=" + pane, token.EnvVar + "=" + old.Reveal()}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
	}
	var out strings.Builder
	if err := restartOld(&out, tok, fingerprint.Of(old)); err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`(?m)^  pid \d+  tmux pane %97  started .*: an OLD setup token ` + fingerprint.Of(old) + `$`,
		`(?m)^Restart every pane among them: tmux .*respawn-pane -k -t %97 .*respawn-pane -k -t %98`,
		`(?m)^Then revoke the old setup token \(fingerprint ` + fingerprint.Of(old) + `\) in your Anthropic console`,
	} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("no %q in:\n%s", re, out.String())
		}
	}
	t.Log(out.String())
	if strings.Contains(out.String(), "TESTtokenVALUE") {
		t.Error("a token reached the output")
	}
}
