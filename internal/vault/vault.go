// Package vault reads, stores and removes a user's setup token in Vault's KV engine and keeps their Vault token
// alive; claude-launch links none of it.
package vault

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/hashicorp/vault/api"
)

// Client reads setup tokens from Vault.
type Client struct {
	api  *api.Client
	cfg  *config.Config
	path string // VaultPath with {user} expanded
	from string // where the Vault token came from, for messages
}

// New builds a client from the settings and the Vault token that token.ReadVaultToken finds through getenv (token.ErrNoVaultToken if none).
func New(c *config.Config, getenv func(string) string) (*Client, error) {
	vtoken, err := token.ReadVaultToken(getenv)
	if err != nil {
		return nil, err
	}
	path, err := ExpandPath(c.VaultPath)
	if err != nil {
		return nil, err
	}
	cfg := api.DefaultConfig()
	if cfg.Error != nil {
		return nil, fmt.Errorf("vault configuration: %w", cfg.Error)
	}
	cfg.Address = cmp.Or(c.VaultAddr, config.DefaultVaultAddr)
	if c.VaultCACert != "" || c.VaultCAPath != "" {
		if err := cfg.ConfigureTLS(&api.TLSConfig{CACert: c.VaultCACert, CAPath: c.VaultCAPath}); err != nil {
			return nil, fmt.Errorf("vault TLS configuration (%s, %s): %w", config.EnvVaultCACert, config.EnvVaultCAPath, err)
		}
	}
	cfg.Timeout, cfg.MaxRetries = c.VaultTimeout, 0 // one attempt inside the bound a launcher waits on; the timer retries
	client, err := api.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("vault client: %w", err)
	}
	client.SetToken(vtoken)                                                 // explicitly: NewClient adopts VAULT_TOKEN
	client.SetWrappingLookupFunc(func(string, string) string { return "" }) // whatever VAULT_WRAP_TTL says
	if c.VaultNamespace != "" {
		client.SetNamespace(c.VaultNamespace)
	}
	from := "~/.vault-token"
	if strings.TrimSpace(getenv("VAULT_TOKEN")) != "" {
		from = "VAULT_TOKEN"
	}
	return &Client{api: client, cfg: c, path: path, from: from}, nil
}

// Addr is the Vault server's address.
func (c *Client) Addr() string { return c.api.Address() }

// SecretPath is the full path looked up, mount included, for messages.
func (c *Client) SecretPath() string { return c.cfg.VaultMount + "/" + c.path }

// Found is what a successful look-up found: the token, its dates if the secret has them, and on KV v2 the secret version's.
type Found struct {
	Token                token.Secret
	createdAt, expiresAt string // the secret's fields of those names
	Version              int
	CreatedTime          time.Time
}

// Lookup reads the token; its error wraps token.ErrNoToken only when Vault answered that there is none.
func (c *Client) Lookup(ctx context.Context) (token.Secret, error) {
	f, err := c.Fetch(ctx)
	return f.Token, err
}

// Fetch reads the token and what Vault says about its version.
func (c *Client) Fetch(ctx context.Context) (Found, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.VaultTimeout)
	defer cancel()
	m, err := c.mount(ctx)
	if err != nil {
		return Found{}, err
	}
	apiPath := c.SecretPath()
	if m.version == 2 {
		apiPath = c.cfg.VaultMount + "/data/" + c.path
	}
	status, body, err := c.get(ctx, apiPath)
	ans := secretAnswer{}
	if err == nil {
		ans, err = readAnswer(m.version, status, body)
	}
	if err != nil {
		return Found{}, c.explain(ctx, "reading", err)
	}
	field := c.cfg.VaultField
	raw, there := ans.fields[field]
	s, text := raw.(string)
	switch {
	case ans.absent != "":
		return Found{}, fmt.Errorf("%w: vault at %s says %s: %s", token.ErrNoToken, c.Addr(), c.SecretPath(), ans.absent)
	case !there: // a field that is there but null is not Vault's "none": an error below
		return Found{}, fmt.Errorf("%w: vault at %s says %s has no field %q", token.ErrNoToken, c.Addr(), c.SecretPath(), field)
	case !text:
		return Found{}, fmt.Errorf("vault %s: field %q is not text (JSON null, a number or an object);"+
			" store the setup token with `claude-auth-sync rotate`, or remove the field to opt out", c.SecretPath(), field)
	}
	tok, err := token.NewSecret(s)
	if err != nil {
		return Found{}, fmt.Errorf("vault %s field %q: %w; store a fresh one with `claude-auth-sync rotate`", c.SecretPath(), field, err)
	}
	f := Found{Token: tok, Version: ans.version, CreatedTime: ans.created}
	f.createdAt, _ = ans.fields[FieldCreatedAt].(string)
	f.expiresAt, _ = ans.fields[FieldExpiresAt].(string)
	return f, nil
}

const (
	// FieldCreatedAt and FieldExpiresAt are written next to the setup token by claude-auth-sync enable.
	FieldCreatedAt = "created_at"
	FieldExpiresAt = "expires_at"
	// TokenLifetime is a setup token's life (`claude setup-token` mints it with expires_in 31536000).
	TokenLifetime = 365 * 24 * time.Hour
)

// Expiry is when the token expires and how that was learned: expires_at, else created_at or the KV v2 created_time + 365 days; else "unknown".
func (f Found) Expiry() (time.Time, string) {
	if t, err := time.Parse(time.RFC3339, f.expiresAt); err == nil {
		return t, "the expires_at field"
	}
	if t, err := time.Parse(time.RFC3339, f.createdAt); err == nil {
		return t.Add(TokenLifetime), "created_at + 365 days"
	}
	if !f.CreatedTime.IsZero() {
		return f.CreatedTime.Add(TokenLifetime), "the secret version's created_time + 365 days"
	}
	return time.Time{}, "unknown"
}

// Store writes tok with its created_at and expires_at into the user's secret, keeping every other field: the one place a token goes to Vault.
func (c *Client) Store(ctx context.Context, tok token.Secret, created, expires time.Time) error {
	return c.write(ctx, map[string]any{c.cfg.VaultField: tok.Reveal(), FieldCreatedAt: created.UTC().Format(time.RFC3339),
		FieldExpiresAt: expires.UTC().Format(time.RFC3339)})
}

// Remove deletes the token and its two dates from the user's secret, keeping every other field.
func (c *Client) Remove(ctx context.Context) error {
	return c.write(ctx, map[string]any{c.cfg.VaultField: nil, FieldCreatedAt: nil, FieldExpiresAt: nil})
}

// write applies patch (nil deletes a field): on KV v2 as a merge patch, or read and check-and-set write where patch is denied; on KV v1 read, write.
func (c *Client) write(ctx context.Context, patch map[string]any) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.VaultTimeout)
	defer cancel()
	m, err := c.mount(ctx)
	if err != nil {
		return err
	}
	removal := patch[c.cfg.VaultField] == nil // Remove's patch, not Store's
	change := func(old map[string]any) map[string]any {
		for k, v := range patch {
			old[k] = v
			if v == nil {
				delete(old, k)
			}
		}
		return old
	}
	if m.version == 2 {
		kv := c.api.KVv2(c.cfg.VaultMount)
		_, err := kv.Patch(ctx, c.path, patch)
		switch st := asStatus(err); {
		case errors.Is(err, api.ErrSecretNotFound) && removal:
			return nil
		case errors.Is(err, api.ErrSecretNotFound): // create it, unless someone just did
			_, err = kv.Put(ctx, c.path, change(map[string]any{}), api.WithCheckAndSet(0))
		case st != nil && st.status == http.StatusForbidden: // no patch capability: read, change, write if unchanged since
			if cur, gerr := kv.Get(ctx, c.path); gerr == nil {
				_, err = kv.Put(ctx, c.path, change(cur.Data), api.WithCheckAndSet(cur.VersionMetadata.Version))
			}
		}
		return c.explain(ctx, "writing", err)
	}
	kv := c.api.KVv1(c.cfg.VaultMount)
	cur, err := kv.Get(ctx, c.path)
	old := map[string]any{}
	switch {
	case err == nil:
		old = cur.Data
	case !errors.Is(err, api.ErrSecretNotFound):
		return c.explain(ctx, "writing", err)
	case removal:
		return nil
	}
	if fields := change(old); len(fields) > 0 {
		return c.explain(ctx, "writing", kv.Put(ctx, c.path, fields))
	}
	return c.explain(ctx, "writing", kv.Delete(ctx, c.path))
}

// mount asks which KV version the mount runs, as the Vault CLI does, and checks that it is the mount configured and a KV one.
func (c *Client) mount(ctx context.Context) (mountAnswer, error) {
	m, err := mountsAnswer(c.get(ctx, "sys/internal/ui/mounts/"+c.SecretPath()))
	if err != nil {
		return mountAnswer{}, c.explain(ctx, "reading", err)
	}
	switch got := strings.Trim(m.path, "/"); {
	case m.kind == "": // a Vault too old to say: version 1, as the CLI assumes
	case got != c.cfg.VaultMount:
		return m, fmt.Errorf("vault at %s: the mount that holds %s is %q, not %q; set %s=%s and %s to the path below it",
			c.Addr(), c.SecretPath(), got, c.cfg.VaultMount, config.EnvVaultMount, got, config.EnvVaultPath)
	case m.kind != "kv" && m.kind != "generic":
		return m, fmt.Errorf("vault at %s: %q is a %s mount, not a KV one; check %s", c.Addr(), c.cfg.VaultMount, m.kind, config.EnvVaultMount)
	}
	return m, nil
}

// get makes one GET and returns the status and body, whatever the status; with an error, neither counts.
func (c *Client) get(ctx context.Context, path string) (int, []byte, error) {
	resp, err := c.api.Logical().ReadRawWithContext(ctx, path)
	if resp == nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err == nil && len(body) > maxBody {
		err = errTooLarge
	}
	return resp.StatusCode, body, err
}

// explain turns a failed request (verb: reading, writing) into one error that says what to check; nil stays nil.
func (c *Client) explain(ctx context.Context, verb string, err error) error {
	addr := c.Addr()
	var ue *url.Error
	var te interface{ Timeout() bool }
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		return errors.New(c.cfg.NoAnswer())
	case errors.Is(err, errTooLarge):
		return fmt.Errorf("vault at %s answered %s %s with %w: remove what else fills that secret (`vault kv get`), "+
			"or keep the token at a path of its own (%s)", addr, verb, c.SecretPath(), err, config.EnvVaultPath)
	case errors.As(err, new(shapeError)):
		return fmt.Errorf("vault at %s gave %s for %s, which is not an answer Vault gives; "+
			"check that VAULT_ADDR is your Vault server and not a proxy or another service", addr, err, c.SecretPath())
	case asStatus(err) != nil:
		return c.explainStatus(ctx, verb, asStatus(err))
	case errors.As(err, &ue):
		return explainTransport(addr, c.cfg.VaultAddr == "", ue)
	case errors.As(err, &te) && te.Timeout():
		return errors.New(c.cfg.NoAnswer())
	}
	return fmt.Errorf("vault at %s: %s %s: %w", addr, verb, c.SecretPath(), err)
}

// asStatus is err's error status with Vault's error list, nil if it has none.
func asStatus(err error) *statusError {
	if st, ok := errors.AsType[*statusError](err); ok {
		return st
	}
	if re, ok := errors.AsType[*api.ResponseError](err); ok {
		return &statusError{status: re.StatusCode, errs: re.Errors}
	}
	return nil
}

func (c *Client) explainStatus(ctx context.Context, verb string, st *statusError) error {
	addr, path, detail := c.Addr(), c.SecretPath(), st.detail()
	switch {
	case verb == "writing" && st.status == http.StatusForbidden:
		return fmt.Errorf("vault denied writing %s (403): your Vault token may read it but not write it; ask for a policy with create, "+
			"update and patch on it, or store the token there yourself (`vault kv patch`)", path)
	case verb == "writing" && st.status == http.StatusBadRequest:
		return fmt.Errorf("vault rejected writing %s (400: %s); it changed meanwhile: try again", path, strings.Join(st.errs, "; "))
	case st.is(http.StatusForbidden, "invalid token"):
		fix := ""
		if c.from == "VAULT_TOKEN" {
			fix = ", and unset VAULT_TOKEN or set it to the new token"
		}
		return fmt.Errorf("vault at %s %w in %s (it expired, was revoked, or was never issued): log in again (`vault login`)%s",
			addr, ErrTokenDead, c.from, fix)
	case st.status == http.StatusForbidden:
		if mounts, ok := c.visibleMounts(ctx); ok && !slices.Contains(mounts, c.cfg.VaultMount) {
			return fmt.Errorf("vault at %s has no mount %q that your token can see (it sees %s); check %s",
				addr, c.cfg.VaultMount, strings.Join(mounts, ", "), config.EnvVaultMount)
		}
		return fmt.Errorf("vault denied %s %s (403): your Vault token's policies do not allow it; ask the operator for one that does", verb, path)
	case st.status == http.StatusBadRequest || st.status == http.StatusMethodNotAllowed:
		return fmt.Errorf("vault rejected %s %s (%s); check %s and %s", verb, path, detail, config.EnvVaultMount, config.EnvVaultPath)
	case st.status == http.StatusNotFound:
		return fmt.Errorf("vault at %s answered %s %s with a 404 about something else than the secret (%s): "+
			"the mount may have been removed or renamed; check %s", addr, verb, path, strings.Join(st.errs, "; "), config.EnvVaultMount)
	case st.is(http.StatusServiceUnavailable, "sealed"):
		// A node never initialised (not yet joined to its cluster, or started afresh) answers the same 503.
		if s, err := c.api.Sys().SealStatusWithContext(ctx); err == nil && !s.Initialized {
			return fmt.Errorf("vault at %s is not initialised: it is a node that has not joined its cluster yet, or a new server; "+
				"set VAULT_ADDR to a node of your running cluster, or ask the operator to join this one", addr)
		}
		return fmt.Errorf("vault at %s is sealed; it can answer once an operator unseals it", addr)
	case st.is(http.StatusInternalServerError, "active cluster node not found"):
		return fmt.Errorf("vault at %s is a standby that knows no active node to send the request on to (%s): "+
			"its cluster is electing a new leader; try again in a few seconds, and if it lasts ask the operator about the cluster", addr, detail)
	}
	return fmt.Errorf("vault at %s failed %s %s (%s); try again later", addr, verb, path, detail)
}

// visibleMounts lists the secret mounts this token can see; ok is false when Vault would not say.
func (c *Client) visibleMounts(ctx context.Context) (out []string, ok bool) {
	status, body, err := c.get(ctx, "sys/internal/ui/mounts")
	e, ok := parseEnvelope(body)
	var d struct{ Secret map[string]any } // json matches the key "secret" to it
	if err != nil || status != http.StatusOK || !ok || decodeNumbers(e.Data, &d) != nil || d.Secret == nil {
		return nil, false
	}
	for k := range d.Secret {
		out = append(out, strings.Trim(k, "/"))
	}
	slices.Sort(out)
	return out, true
}

// explainTransport says why no HTTP answer came back; a failure at another address than addr is at the active node a standby redirected to.
func explainTransport(addr string, unset bool, ue *url.Error) error {
	err, to := ue.Err, origin(ue.URL)
	switch {
	case errors.As(err, new(*tls.CertificateVerificationError)), errors.As(err, new(x509.UnknownAuthorityError)),
		errors.As(err, new(x509.CertificateInvalidError)):
		return fmt.Errorf("vault at %s presented a certificate that is not trusted here (%w); "+
			"set VAULT_CACERT to the CA certificate that signed it", addr, err)
	case errors.As(err, new(x509.HostnameError)):
		return fmt.Errorf("vault at %s presented a certificate for another name (%w); use the name the certificate is for in VAULT_ADDR", addr, err)
	case errors.Is(err, http.ErrSchemeMismatch):
		return fmt.Errorf("vault at %s speaks plain HTTP; set VAULT_ADDR to http://…", addr)
	case to != "" && to != origin(addr):
		return fmt.Errorf("vault at %s sent the request on to its cluster's active node at %s, which is unreachable (%w); "+
			"the cluster may be electing a new leader: try again in a few seconds, and if it lasts ask the operator about that node", addr, to, err)
	case unset:
		return fmt.Errorf("vault at %s is unreachable (%w); %s", addr, err, config.UnsetVaultAddr)
	}
	return fmt.Errorf("vault at %s is unreachable (%w); check VAULT_ADDR and that the server runs", addr, err)
}

// origin is rawURL's scheme://host, "" when it does not parse.
func origin(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// ExpandPath replaces {user} in a path template with the effective uid's login name from the user database ($USER could name another user).
func ExpandPath(tmpl string) (string, error) {
	if !strings.Contains(tmpl, "{user}") {
		return tmpl, nil
	}
	uid := strconv.Itoa(os.Geteuid())
	u, err := user.LookupId(uid)
	if err != nil {
		return "", fmt.Errorf("find the login name of uid %s for %s: %w; set %s without {user}", uid, config.EnvVaultPath, err, config.EnvVaultPath)
	}
	return strings.ReplaceAll(tmpl, "{user}", u.Username), nil
}
