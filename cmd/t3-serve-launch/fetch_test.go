package main

import (
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// TestVaultFetcher: the in-process fetch materializes the env file from a
// real Vault, and does nothing without a Vault token.
func TestVaultFetcher(t *testing.T) {
	v, me, userToken := testenv.StartUserVault(t)
	const tok = token.Prefix + "TESTfetcher_0123456789"
	v.PutSetupToken(t, me, tok)
	home := t.TempDir()
	env := map[string]string{"HOME": home, "VAULT_TOKEN": userToken}
	getenv := func(k string) string { return env[k] }
	c, problems := config.Load(config.Input{Environ: []string{"HOME=" + home, "VAULT_ADDR=" + v.Addr}, NoFile: true})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	res, err := c.Resolver(getenv, vaultFetcher(&c, getenv)).Resolve()
	if err != nil || res.Source != token.SourceVault || res.Token.Reveal() != tok {
		t.Fatalf("Resolve = %+v, %v", res, err)
	}

	delete(env, "VAULT_TOKEN")
	c.EnvFile = home + "/other.env"
	if err := vaultFetcher(&c, getenv)(time.Now().Add(time.Second)); err != nil {
		t.Errorf("without a Vault token: %v", err)
	}
	if res, _ := c.Resolver(getenv, nil).Resolve(); res.Source != token.SourceNone {
		t.Error("an env file was written without a Vault token")
	}
}
