package main

import (
	"context"
	"errors"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/vault"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// vaultFetcher is t3-serve-launch's token.Fetcher: on a miss it syncs the
// env file from Vault in-process (the server starts once, so linking the
// Vault client costs it nothing that matters), under the same lock and
// negative cache as the claude-auth-sync that claude-launch runs, bounded
// as a whole by the deadline. Without a Vault token it does nothing.
func vaultFetcher(c *config.Config, getenv func(string) string) token.Fetcher {
	return func(deadline time.Time) error {
		client, err := vault.New(c, getenv)
		if errors.Is(err, token.ErrNoVaultToken) {
			return nil
		}
		if err != nil {
			return err
		}
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		_, err = store.Sync(ctx, c, client.Lookup, true)
		return err
	}
}
