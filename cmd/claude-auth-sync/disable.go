package main

import (
	"context"
	"io"
	"os"

	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/vault"
)

// DisableCmd removes the setup token: new sessions use the rotating login.
type DisableCmd struct{}

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
