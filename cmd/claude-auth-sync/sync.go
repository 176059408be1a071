package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/pkg/config"
	"github.com/claude-launch/claude-launch/pkg/errs"
	"github.com/claude-launch/claude-launch/pkg/store"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/vault"
)

// errReported is an error already logged; main only sets the exit code.
var errReported = errors.New("reported")

// SyncCmd makes the env file match Vault.
type SyncCmd struct {
	OnMiss   bool  `name:"on-miss" help:"Only if the env file is still missing and no recent look-up found none (what claude-launch runs on a miss)."`
	Deadline int64 `name:"deadline-unix-ms" hidden:"" help:"Give up at this time (Unix milliseconds): the launcher's own bound."`
}

// Run fetches and materializes the token, bounded as a whole (the wait for
// the lock included) by the Vault timeout, or by the launcher's deadline.
func (s *SyncCmd) Run(cfg *config.Config, logger *log.Logger) error {
	if cfg.Disabled {
		logger.Info("disabled; nothing to do", "var", config.EnvDisable)
		return nil
	}
	client, err := vault.New(cfg, os.Getenv)
	if errors.Is(err, token.ErrNoVaultToken) {
		// Vault is not set up for this user: nothing to ask, nothing to change.
		logger.Info("no Vault token; nothing to sync", "hint", "set VAULT_TOKEN or run `vault login`")
		return nil
	}
	if err != nil {
		return s.fail(err, logger)
	}
	deadline := time.Now().Add(cfg.VaultTimeout)
	if s.Deadline > 0 {
		deadline = time.UnixMilli(s.Deadline)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	logger.Debug("looking up", "vault", client.Addr(), "path", client.SecretPath(), "field", cfg.VaultField)
	res, err := store.Sync(ctx, cfg, client.Lookup, s.OnMiss)
	if err != nil {
		return s.fail(err, logger)
	}
	logger.Info("synced", "action", res.Action, "env_file", cfg.EnvFile, "fingerprint", res.Token.Fingerprint())
	if !s.OnMiss {
		os.Stdout.WriteString(cfg.EnvFile + ": " + string(res.Action) + " (fingerprint " + res.Token.Fingerprint() + ")\n")
	}
	return nil
}

// fail reports err once: for the launcher waiting on us as a warning (claude
// starts all the same, with its own login); by hand as an error.
func (s *SyncCmd) fail(err error, logger *log.Logger) error {
	if s.OnMiss {
		logger.Warn(err.Error() + "; starting claude with its own login")
		return errReported
	}
	return errs.Wrap("sync: ", err, "; the env file was left as it was")
}
