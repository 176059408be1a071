package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/internal/agents"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/vault"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// EnableCmd stores a setup token in Vault and makes every new claude use it.
type EnableCmd struct {
	Expires string `name:"expires" placeholder:"DATE" help:"When the token expires (2027-11-28 or RFC 3339). Default: a year from now, as minted."`
}

// RotateCmd replaces the setup token and lists the agents still on the old one.
type RotateCmd struct {
	EnableCmd
}

// DisableCmd removes the setup token: new sessions use the rotating login.
type DisableCmd struct{}

// Run enables; over another token it names the agents to restart.
func (e *EnableCmd) Run(cfg *config.Config, logger *log.Logger, stdin io.Reader, stdout io.Writer) error {
	tok, replaced, err := e.store(cfg, logger, stdin, stdout)
	if err != nil || replaced == "" {
		return err
	}
	return restartOld(stdout, tok, replaced)
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

// Run disables.
func (d *DisableCmd) Run(cfg *config.Config, logger *log.Logger, stdout io.Writer) error {
	client, err := vault.New(cfg, os.Getenv)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.VaultTimeout)
	defer cancel()
	if err := client.Remove(ctx); err != nil {
		return err
	}
	io.WriteString(stdout, "removed the setup token from "+client.SecretPath()+"\n")
	if err := store.RemoveEnvFile(cfg.EnvFile); err != nil {
		return err
	}
	return syncAndShow(cfg, logger, stdout)
}

// store reads the token, stores it in Vault, syncs and shows the status; replaced is the
// fingerprint of another token it replaced in Vault.
func (e *EnableCmd) store(cfg *config.Config, logger *log.Logger, stdin io.Reader, stdout io.Writer) (tok token.Secret, replaced string, err error) {
	expires := time.Now().Add(vault.TokenLifetime)
	if e.Expires != "" {
		t, err := time.Parse(time.DateOnly, e.Expires)
		if err != nil {
			t, err = time.Parse(time.RFC3339, e.Expires)
		}
		if err != nil {
			return tok, "", errUsage{"--expires=" + strconv.Quote(e.Expires) + " is not a date such as 2027-11-28 or an RFC 3339 time"}
		}
		if !t.After(time.Now()) {
			return tok, "", errUsage{"--expires=" + strconv.Quote(e.Expires) +
				" is in the past: a setup token lasts a year from `claude setup-token`; give the day it was made plus 365 days, or make a new one"}
		}
		expires = t
	}
	if tok, err = readToken(stdin); err != nil {
		return token.Secret{}, "", err
	}
	// Checked before Vault is written: a refused directory must not leave the token in Vault and no env file.
	if err := store.CheckDir(filepath.Dir(cfg.EnvFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return token.Secret{}, "", fmt.Errorf("%w; nothing was stored", err)
	}
	client, err := vault.New(cfg, os.Getenv)
	if err != nil {
		return token.Secret{}, "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.VaultTimeout)
	defer cancel()
	// The same token again is a no-op: its expiry stays that of its mint, as first recorded.
	if cur, err := client.Fetch(ctx); err == nil && cur.Token.Equal(tok) {
		io.WriteString(stdout, "the setup token (fingerprint "+fingerprint.Of(tok)+") is already the one at "+client.SecretPath()+": nothing written\n")
		if e.Expires != "" {
			io.WriteString(stdout, "--expires was not recorded: a token's expiry is the one recorded when it was first stored "+
				"(`claude-auth-sync disable`, then `enable --expires`, to correct it)\n")
		}
	} else {
		what := "stored the setup token (fingerprint " + fingerprint.Of(tok) + ")"
		if err == nil {
			replaced = fingerprint.Of(cur.Token)
			what = "replaced the setup token (fingerprint " + replaced + ") with this one (fingerprint " + fingerprint.Of(tok) + ")"
		}
		if err := client.Store(ctx, tok, time.Now(), expires); err != nil {
			return token.Secret{}, "", err
		}
		io.WriteString(stdout, what+" at "+client.SecretPath()+", expiring "+expires.Format(time.DateOnly)+"\n")
	}
	return tok, replaced, syncAndShow(cfg, logger, stdout)
}

// tokenRe finds a setup token in what was pasted or piped: the prefix and the rest of its
// line, validated after, so anything after the token on its line is refused, not cut off.
var tokenRe = regexp.MustCompile(token.Prefix + `[^\n]*`)

// maxTokenInput bounds what readToken reads from a pipe: far more than `claude setup-token` prints.
const maxTokenInput = 64 << 10

// readToken reads the setup token from stdin: at a no-echo prompt on a terminal, else all of
// it (more than maxTokenInput is refused). Nothing it read ever reaches a message.
func readToken(stdin io.Reader) (token.Secret, error) {
	var in []byte
	var err error
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		// Echo off before the prompt: a paste that comes before ReadPassword
		// turns it off would otherwise be shown.
		if st, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err == nil {
			quiet := *st
			quiet.Lflag &^= unix.ECHO
			_ = unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, &quiet)
			defer unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, st)
		}
		os.Stderr.WriteString("Paste your setup token (from `claude setup-token`; it is not shown), then Enter: ")
		in, err = term.ReadPassword(int(f.Fd()))
		os.Stderr.WriteString("\n")
		if err != nil {
			return token.Secret{}, fmt.Errorf("read the token: %w", err)
		}
	} else if in, err = io.ReadAll(io.LimitReader(stdin, maxTokenInput+1)); err != nil {
		return token.Secret{}, fmt.Errorf("read the token from stdin: %w", err)
	} else if len(in) > maxTokenInput { // past the bound a token may be cut: refuse, never truncate
		return token.Secret{}, errUsage{"stdin holds more than 64 KiB, which is not a setup token: " +
			"pipe in the token alone, or the output of `claude setup-token`"}
	}
	candidate := strings.TrimSpace(string(in))
	found := map[string]bool{}
	for _, m := range tokenRe.FindAll(in, -1) {
		candidate = strings.TrimRight(string(m), " \t\r")
		found[candidate] = true
	}
	switch {
	case len(found) > 1:
		return token.Secret{}, errUsage{"more than one setup token was given: give one"}
	case candidate == "":
		return token.Secret{}, errUsage{"no setup token given: paste it at the prompt, or pipe it on stdin"}
	}
	tok, err := token.NewSecret(candidate) // says why it is not a token, never what it was
	if err != nil {
		return token.Secret{}, errUsage{err.Error()}
	}
	return tok, nil
}

// restartOld lists the running agents not on tok, with one command that restarts every
// tmux pane among them, and reminds to revoke old, the token replaced ("" for none).
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
