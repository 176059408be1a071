package main

import (
	"cmp"
	"io"
	"strings"

	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/internal/agents"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
)

// RotateCmd replaces the setup token and lists the agents still on the old
// one.
type RotateCmd struct {
	EnableCmd
}

// Run rotates.
func (r *RotateCmd) Run(cfg *config.Config, logger *log.Logger, stdin io.Reader, stdout io.Writer) error {
	before := ""
	if tok, err := token.ReadEnvFile(cfg.EnvFile, config.SyncCommand); err == nil {
		before = fingerprint.Of(tok)
	}
	tok, replaced, err := r.store(cfg, logger, stdin, stdout)
	if err != nil {
		return err
	}
	if before == fingerprint.Of(tok) {
		io.WriteString(stdout, "\nThat is the token already in use (fingerprint "+before+"): nothing rotated.\n")
		return nil
	}
	return restartOld(stdout, tok, cmp.Or(replaced, before))
}

// restartOld lists the running agents not on tok, with one command that
// restarts every tmux pane among them, and reminds to revoke old, the
// fingerprint of the token replaced ("" for none).
func restartOld(stdout io.Writer, tok token.Secret, old string) error {
	list, err := agents.List()
	if err != nil {
		return err
	}
	var b strings.Builder
	var panes []string
	for _, a := range list {
		if a.Fingerprint == fingerprint.Of(tok) {
			continue
		}
		b.WriteString("  " + agentLine(a, fingerprint.Of(tok)))
		if a.Pane != "" {
			panes = append(panes, "respawn-pane -k -t "+a.Pane)
		} else {
			b.WriteString("; exit it (/exit) and start claude again")
		}
		b.WriteString("\n")
	}
	if b.Len() == 0 {
		io.WriteString(stdout, "\nNo running agent is on another credential.\n")
	} else {
		io.WriteString(stdout, "\nThese running agents keep the credential they started with until restarted:\n"+b.String())
	}
	if len(panes) > 0 {
		io.WriteString(stdout, "Restart every pane among them: tmux "+strings.Join(panes, " \\; ")+"\n")
	}
	if old != "" {
		io.WriteString(stdout, "Then revoke the old setup token (fingerprint "+old+") in your Anthropic console: it works until it expires.\n")
	}
	return nil
}
