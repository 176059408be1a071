package main

import (
	"io"
	"strconv"
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
	tok, err := r.store(cfg, logger, stdin, stdout)
	if err != nil {
		return err
	}
	if before == fingerprint.Of(tok) {
		io.WriteString(stdout, "\nThat is the token already in use (fingerprint "+before+"): nothing rotated.\n")
		return nil
	}
	list, err := agents.List()
	if err != nil {
		return err
	}
	var old []agents.Agent
	for _, a := range list {
		if a.Fingerprint != fingerprint.Of(tok) {
			old = append(old, a)
		}
	}
	if len(old) == 0 {
		io.WriteString(stdout, "\nNo running agent is on another credential.\n")
		return nil
	}
	var b strings.Builder
	b.WriteString("\n" + strconv.Itoa(len(old)) + " running agent(s) keep the credential they started with until restarted:\n")
	for _, a := range old {
		b.WriteString("  pid " + strconv.Itoa(a.PID))
		if a.TTY != "" {
			b.WriteString(" on " + a.TTY)
		}
		b.WriteString(": " + a.Credential(fingerprint.Of(tok)) + "; ")
		if a.Pane != "" {
			b.WriteString("restart it with `tmux respawn-pane -k -t " + a.Pane + "`\n")
		} else {
			b.WriteString("exit it (/exit) and start claude again\n")
		}
	}
	io.WriteString(stdout, b.String())
	return nil
}
