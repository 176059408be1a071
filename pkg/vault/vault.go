// Package vault reads a user's setup token from their own path in
// HashiCorp Vault's KV secrets engine, version 1 or 2.
//
// It is kept apart from package token because linking
// github.com/hashicorp/vault/api roughly doubles a Go program's start-up
// time: the per-launch binary must not pay that, so it runs
// claude-auth-sync, which links this package, only on a miss.
//
// The client is built deliberately: api.NewClient silently adopts
// VAULT_TOKEN, so the token is set explicitly from VAULT_TOKEN or
// ~/.vault-token, and a look-up is bounded as a whole by one timeout.
package vault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/hashicorp/vault/api"
)

// ErrNoVaultToken means no Vault token is at hand (neither VAULT_TOKEN nor
// ~/.vault-token): the user has not set Vault up, so there is nothing to
// ask.
var ErrNoVaultToken = errors.New("no Vault token: set VAULT_TOKEN or run `vault login`")

// Settings locate the token in Vault.
type Settings struct {
	// Mount is the KV mount, such as "secret".
	Mount string
	// Path is the secret's path below Mount; {user} is replaced by the
	// effective user's login name.
	Path string
	// Field is the key inside the secret.
	Field string
	// Timeout bounds the whole look-up.
	Timeout time.Duration
}

// SettingsFrom takes the Vault settings of a token.Config.
func SettingsFrom(c token.Config) Settings {
	return Settings{Mount: c.VaultMount, Path: c.VaultPath, Field: c.VaultField, Timeout: c.VaultTimeout}
}

// Client reads setup tokens from Vault.
type Client struct {
	api      *api.Client
	settings Settings
	path     string // Path with {user} expanded
}

// New builds a client from the standard Vault environment (VAULT_ADDR,
// VAULT_CACERT, VAULT_NAMESPACE, …) and the Vault token from getenv's
// VAULT_TOKEN or ~/.vault-token. It returns ErrNoVaultToken when there is
// no token at all.
func New(s Settings, getenv func(string) string) (*Client, error) {
	vtoken, err := vaultToken(getenv)
	if err != nil {
		return nil, err
	}
	path, err := ExpandPath(s.Path)
	if err != nil {
		return nil, err
	}
	cfg := api.DefaultConfig()
	if cfg.Error != nil {
		return nil, fmt.Errorf("vault configuration: %w", cfg.Error)
	}
	cfg.Timeout = s.Timeout
	// A launcher waits on this look-up: one attempt inside the bound beats
	// retries that the bound would cut short anyway. The timer retries.
	cfg.MaxRetries = 0
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("vault client: %w", err)
	}
	c.SetToken(vtoken)
	return &Client{api: c, settings: s, path: path}, nil
}

// Addr is the Vault server's address.
func (c *Client) Addr() string { return c.api.Address() }

// SecretPath is the full path looked up, mount included, for messages.
func (c *Client) SecretPath() string { return c.settings.Mount + "/" + c.path }

// Lookup reads the token. It returns an error wrapping token.ErrNoToken when
// the secret or its field does not exist, the authoritative "no token"; any
// other error means Vault could not be asked and says what to check.
func (c *Client) Lookup(ctx context.Context) (token.Secret, error) {
	if c.settings.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.settings.Timeout)
		defer cancel()
	}
	data, err := c.read(ctx)
	if err != nil {
		return token.Secret{}, c.explain(ctx, err)
	}
	raw, ok := data[c.settings.Field]
	if !ok || raw == nil {
		return token.Secret{}, fmt.Errorf("%w: %s has no field %q", token.ErrNoToken, c.SecretPath(), c.settings.Field)
	}
	s, ok := raw.(string)
	if !ok {
		return token.Secret{}, fmt.Errorf("vault %s: field %q is not a string; store the setup token as text", c.SecretPath(), c.settings.Field)
	}
	tok, err := token.NewSecret(s)
	if err != nil {
		return token.Secret{}, fmt.Errorf("vault %s field %q: %w; store a fresh one with `claude-auth-sync rotate`", c.SecretPath(), c.settings.Field, err)
	}
	return tok, nil
}

// read returns the secret's data, or token.ErrNoToken when there is none.
func (c *Client) read(ctx context.Context) (map[string]any, error) {
	version, err := c.kvVersion(ctx)
	if err != nil {
		return nil, err
	}
	var kv *api.KVSecret
	if version == 2 {
		kv, err = c.api.KVv2(c.settings.Mount).Get(ctx, c.path)
	} else {
		kv, err = c.api.KVv1(c.settings.Mount).Get(ctx, c.path)
	}
	if errors.Is(err, api.ErrSecretNotFound) || err == nil && (kv == nil || kv.Data == nil) {
		return nil, fmt.Errorf("%w: no secret at %s", token.ErrNoToken, c.SecretPath())
	}
	if err != nil {
		return nil, err
	}
	return kv.Data, nil
}

// kvVersion asks which KV version the mount runs, the way the Vault CLI
// does: through sys/internal/ui/mounts, which any token may read for the
// paths it can use. A server too old to answer runs version 1.
func (c *Client) kvVersion(ctx context.Context) (int, error) {
	resp, err := c.api.Logical().ReadRawWithContext(ctx, "sys/internal/ui/mounts/"+c.settings.Mount+"/"+c.path)
	if resp != nil {
		defer resp.Body.Close()
	}
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return 1, nil
		}
		return 0, err
	}
	secret, err := api.ParseSecret(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("read mount of %s: %w", c.SecretPath(), err)
	}
	if secret == nil {
		return 1, nil
	}
	opts, _ := secret.Data["options"].(map[string]any)
	if v, _ := opts["version"].(string); v == "2" {
		return 2, nil
	}
	return 1, nil
}

// explain turns a failed request into one error that says what to check.
func (c *Client) explain(ctx context.Context, err error) error {
	if errors.Is(err, token.ErrNoToken) {
		return err
	}
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("vault at %s did not answer within %s; check VAULT_ADDR and the network, or raise %s", c.Addr(), c.settings.Timeout, token.EnvVaultTimeout)
	}
	var re *api.ResponseError
	if errors.As(err, &re) {
		switch re.StatusCode {
		case http.StatusForbidden:
			return fmt.Errorf("vault denied reading %s (403): the token lacks read on it, or has expired; run `vault login` or ask for a policy that can read it", c.SecretPath())
		case http.StatusBadRequest, http.StatusNotFound:
			return fmt.Errorf("vault rejected reading %s (%d): check %s (is %q a KV mount?): %s", c.SecretPath(), re.StatusCode, token.EnvVaultMount, c.settings.Mount, strings.Join(re.Errors, "; "))
		}
		return fmt.Errorf("vault at %s failed reading %s (%d): %s; try again later", c.Addr(), c.SecretPath(), re.StatusCode, strings.Join(re.Errors, "; "))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("vault at %s is unreachable (%v); check VAULT_ADDR and that the server runs", c.Addr(), ue.Err)
	}
	return fmt.Errorf("vault at %s: reading %s: %w", c.Addr(), c.SecretPath(), err)
}

// vaultToken returns VAULT_TOKEN, else the content of ~/.vault-token.
func vaultToken(getenv func(string) string) (string, error) {
	if t := getenv("VAULT_TOKEN"); t != "" {
		return t, nil
	}
	p := token.VaultTokenFile(getenv)
	if p == "" {
		return "", ErrNoVaultToken
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return "", ErrNoVaultToken
	}
	if err != nil {
		return "", fmt.Errorf("read Vault token: %w", err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", ErrNoVaultToken
	}
	return t, nil
}

// ExpandPath replaces {user} in a path template with the login name of the
// effective uid, from the user database: $USER is not trusted, since it
// would let one user's environment point at another user's secret.
func ExpandPath(tmpl string) (string, error) {
	if !strings.Contains(tmpl, "{user}") {
		return tmpl, nil
	}
	uid := strconv.Itoa(os.Geteuid())
	u, err := user.LookupId(uid)
	if err != nil {
		return "", fmt.Errorf("find the login name of uid %s for %s: %w; set %s without {user}", uid, token.EnvVaultPath, err, token.EnvVaultPath)
	}
	return strings.ReplaceAll(tmpl, "{user}", u.Username), nil
}

// Fetcher is the token.Fetcher of a program that links this package: on a
// miss it syncs the env file from Vault in-process, under the same lock and
// negative cache as claude-launch's claude-auth-sync, bounded by the
// deadline. Without a Vault token it does nothing.
func Fetcher(c token.Config, getenv func(string) string) token.Fetcher {
	return func(deadline time.Time) error {
		client, err := New(SettingsFrom(c), getenv)
		if errors.Is(err, ErrNoVaultToken) {
			return nil
		}
		if err != nil {
			return err
		}
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		_, err = token.Sync(ctx, c, client.Lookup, true)
		return err
	}
}
