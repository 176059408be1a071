package main

import (
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
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/vault"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
	"golang.org/x/term"
)

// EnableCmd stores a setup token in Vault and makes every new claude use it.
type EnableCmd struct {
	Expires string `name:"expires" placeholder:"DATE" help:"When the token expires (2027-11-28, or RFC 3339). Default: 365 days from now, as claude setup-token mints it."`
}

// Run enables; over another token it names the agents to restart.
func (e *EnableCmd) Run(cfg *config.Config, logger *log.Logger, stdin io.Reader, stdout io.Writer) error {
	tok, replaced, err := e.store(cfg, logger, stdin, stdout)
	if err != nil || replaced == "" {
		return err
	}
	return restartOld(stdout, tok, replaced)
}

// store reads the token, stores it in Vault, syncs and shows the status.
// replaced is the fingerprint of another token it replaced in Vault.
func (e *EnableCmd) store(cfg *config.Config, logger *log.Logger, stdin io.Reader, stdout io.Writer) (tok token.Secret, replaced string, err error) {
	expires := time.Now().Add(vault.TokenLifetime)
	if e.Expires != "" {
		t, err := parseDate(e.Expires)
		if err != nil {
			return token.Secret{}, "", errUsage{"--expires=" + strconv.Quote(e.Expires) + " is not a date such as 2027-11-28 or an RFC 3339 time"}
		}
		if !t.After(time.Now()) {
			return token.Secret{}, "", errUsage{"--expires=" + strconv.Quote(e.Expires) +
				" is in the past: a setup token lasts a year from `claude setup-token`; give the day it was made plus 365 days, or make a new one"}
		}
		expires = t
	}
	if tok, err = readToken(stdin); err != nil {
		return token.Secret{}, "", err
	}
	// What can be checked is checked before Vault is written: a refused
	// directory must not leave the token in Vault and no env file.
	if err := store.CheckDir(filepath.Dir(cfg.EnvFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return token.Secret{}, "", fmt.Errorf("%w; nothing was stored", err)
	}
	client, err := vault.New(cfg, os.Getenv)
	if err != nil {
		return token.Secret{}, "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.VaultTimeout)
	defer cancel()
	// The same token again is a no-op: nothing is written, and its expiry
	// stays that of its mint, as first recorded.
	if cur, err := client.Fetch(ctx); err == nil && cur.Token.Equal(tok) {
		io.WriteString(stdout, "the setup token (fingerprint "+fingerprint.Of(tok)+") is already the one at "+client.SecretPath()+": nothing written\n")
		if e.Expires != "" {
			io.WriteString(stdout, "--expires was not recorded: a token's expiry is the one recorded when it was first stored "+
				"(`claude-auth-sync disable`, then `enable --expires`, to correct it)\n")
		}
	} else {
		if err == nil {
			replaced = fingerprint.Of(cur.Token)
		}
		if err := client.Store(ctx, tok, time.Now(), expires); err != nil {
			return token.Secret{}, "", err
		}
		what := "stored the setup token (fingerprint " + fingerprint.Of(tok) + ")"
		if replaced != "" {
			what = "replaced the setup token (fingerprint " + replaced + ") with this one (fingerprint " + fingerprint.Of(tok) + ")"
		}
		io.WriteString(stdout, what+" at "+client.SecretPath()+", expiring "+expires.Format(time.DateOnly)+"\n")
	}
	return tok, replaced, syncAndShow(cfg, logger, stdout)
}

// tokenRe finds what looks like a setup token in what was pasted or piped
// (the output of `claude setup-token` holds more than the token): the
// prefix and the rest of its line, validated after, so that anything
// after the token on its line is refused, not cut off.
var tokenRe = regexp.MustCompile(token.Prefix + `[^\n]*`)

// maxTokenInput bounds what readToken reads from a pipe: far more than
// `claude setup-token` prints.
const maxTokenInput = 64 << 10

// readToken reads the setup token from stdin: at a no-echo prompt when it
// is a terminal, else the whole of it (at most maxTokenInput, more is
// refused). Nothing it read ever reaches a message.
func readToken(stdin io.Reader) (token.Secret, error) {
	var in []byte
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		os.Stderr.WriteString("Paste your setup token (from `claude setup-token`; it is not shown), then Enter: ")
		b, err := term.ReadPassword(int(f.Fd()))
		os.Stderr.WriteString("\n")
		if err != nil {
			return token.Secret{}, fmt.Errorf("read the token: %w", err)
		}
		in = b
	} else {
		b, err := io.ReadAll(io.LimitReader(stdin, maxTokenInput+1))
		if err != nil {
			return token.Secret{}, fmt.Errorf("read the token from stdin: %w", err)
		}
		if len(b) > maxTokenInput {
			// Past the bound a token may be cut: refuse, never truncate.
			return token.Secret{}, errUsage{"stdin holds more than 64 KiB, which is not a setup token: " +
				"pipe in the token alone, or the output of `claude setup-token`"}
		}
		in = b
	}
	found := map[string]bool{}
	for _, m := range tokenRe.FindAll(in, -1) {
		found[strings.TrimRight(string(m), " \t\r")] = true
	}
	candidate := strings.TrimSpace(string(in))
	switch len(found) {
	case 0:
		if candidate == "" {
			return token.Secret{}, errUsage{"no setup token given: paste it at the prompt, or pipe it on stdin"}
		}
	case 1:
		for s := range found {
			candidate = s
		}
	default:
		return token.Secret{}, errUsage{"more than one setup token was given: give one"}
	}
	// The error says why it is not a token, never what it was.
	tok, err := token.NewSecret(candidate)
	if err != nil {
		return token.Secret{}, errUsage{err.Error()}
	}
	return tok, nil
}

func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}
