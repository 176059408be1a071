package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/claude-launch/claude-launch/internal/settings"
	"os"

	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/vault"
)

// errReported is an error already logged; main only sets the exit code.
var errReported = errors.New("reported")

// SyncCmd makes the env file match Vault.
type SyncCmd struct {
	OnMiss bool `name:"on-miss" help:"Only if the env file is still missing and no recent look-up found none (what claude-launch runs on a miss)."`
}

// Run fetches and materializes the token.
func (s *SyncCmd) Run(g *settings.Token, logger *log.Logger) error {
	cfg := g.Config()
	if cfg.Disabled {
		logger.Info("disabled; nothing to do", "var", token.EnvDisable)
		return nil
	}
	client, err := vault.New(vault.SettingsFrom(cfg), os.Getenv)
	if errors.Is(err, vault.ErrNoVaultToken) {
		// Vault is not set up for this user: nothing to ask, nothing to change.
		logger.Info("no Vault token; nothing to sync", "hint", "set VAULT_TOKEN or run `vault login`")
		return nil
	}
	if err != nil {
		return err
	}
	logger.Debug("looking up", "vault", client.Addr(), "path", client.SecretPath(), "field", cfg.VaultField)
	res, err := token.Sync(context.Background(), cfg, client.Lookup, s.OnMiss)
	if err != nil && s.OnMiss {
		// For the launcher waiting on us this is a warning: claude starts
		// all the same, with its own login.
		logger.Warn(err.Error() + "; starting claude with its own login")
		return errReported
	}
	if err != nil {
		return fmt.Errorf("sync: %w; the env file was left as it was", err)
	}
	logger.Info("synced", "action", res.Action, "env_file", cfg.EnvFile, "fingerprint", res.Token.Fingerprint())
	if !s.OnMiss {
		fmt.Printf("%s: %s (fingerprint %s)\n", cfg.EnvFile, res.Action, res.Token.Fingerprint())
	}
	return nil
}
