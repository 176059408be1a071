// Package vault reads, stores and removes a user's setup token at their
// own path in HashiCorp Vault's KV secrets engine, version 1 or 2
// (vault.go, answer.go, write.go, expiry.go), and keeps the user's Vault
// token alive (renew.go).
//
// The per-launch program does not link it (the Vault client alone roughly
// doubles a Go program's start-up; docs/startup.md): on a miss it
// runs claude-auth-sync, which does.
//
// It protects against two failures. The client is built deliberately:
// api.NewClient silently adopts VAULT_TOKEN and VAULT_WRAP_TTL from the
// environment, so the token is set explicitly and wrapping is turned off,
// and one timeout bounds a look-up as a whole. And only an answer Vault
// gives in its own terms means "no setup token" (answer.go): a proxy's
// empty 404, a 200 with {}, or a wrapped response is an error, which must
// never make a caller delete the user's env file.
package vault

import (
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
	"github.com/claude-launch/claude-launch/internal/errs"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/hashicorp/vault/api"
)

// maxBody bounds what is read of a response: a secret is a few hundred
// bytes. errTooLarge is a response past it, never parsed cut.
const maxBody = 1 << 20

var errTooLarge = errors.New("more than 1 MiB, which is not a setup token and its dates")

// Client reads setup tokens from Vault.
type Client struct {
	api     *api.Client
	cfg     *config.Config
	path    string // VaultPath with {user} expanded
	from    string // where the Vault token came from, for messages
	timeout time.Duration
}

// New builds a client from the settings (VAULT_ADDR, VAULT_CACERT,
// VAULT_CAPATH and VAULT_NAMESPACE as the config resolved them; the rest of
// Vault's variables as the Vault CLI reads them) and the Vault token that
// token.ReadVaultToken finds through getenv. It returns
// token.ErrNoVaultToken when there is no token at all.
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
		return nil, errs.Wrap("vault configuration: ", cfg.Error, "")
	}
	cfg.Address = config.DefaultVaultAddr
	if c.VaultAddr != "" {
		cfg.Address = c.VaultAddr
	}
	if c.VaultCACert != "" || c.VaultCAPath != "" {
		if err := cfg.ConfigureTLS(&api.TLSConfig{CACert: c.VaultCACert, CAPath: c.VaultCAPath}); err != nil {
			return nil, errs.Wrap("vault TLS configuration ("+config.EnvVaultCACert+", "+config.EnvVaultCAPath+"): ", err, "")
		}
	}
	cfg.Timeout = c.VaultTimeout
	// A launcher waits on this look-up: one attempt inside the bound beats
	// retries that the bound would cut short anyway. The timer retries.
	cfg.MaxRetries = 0
	client, err := api.NewClient(cfg)
	if err != nil {
		return nil, errs.Wrap("vault client: ", err, "")
	}
	client.SetToken(vtoken)
	// Never ask for a wrapped answer, whatever VAULT_WRAP_TTL says.
	client.SetWrappingLookupFunc(func(string, string) string { return "" })
	if c.VaultNamespace != "" {
		client.SetNamespace(c.VaultNamespace)
	}
	from := "VAULT_TOKEN"
	if strings.TrimSpace(getenv("VAULT_TOKEN")) == "" {
		from = "~/.vault-token"
	}
	return &Client{api: client, cfg: c, path: path, timeout: c.VaultTimeout, from: from}, nil
}

// Addr is the Vault server's address.
func (c *Client) Addr() string { return c.api.Address() }

// SecretPath is the full path looked up, mount included, for messages.
func (c *Client) SecretPath() string { return c.cfg.VaultMount + "/" + c.path }

// Found is what a successful look-up found.
type Found struct {
	// Token is the setup token.
	Token token.Secret
	// Fields are the secret's other fields that are strings (created_at,
	// expires_at), never the token.
	Fields map[string]string
	// KVVersion is the mount's KV version; Version and CreatedTime are the
	// secret version's, on KV version 2.
	KVVersion   int
	Version     int
	CreatedTime time.Time
}

// Lookup reads the token. It returns an error wrapping token.ErrNoToken
// only when Vault answered, in its own terms, that there is none; any other
// error says what to check.
func (c *Client) Lookup(ctx context.Context) (token.Secret, error) {
	f, err := c.Fetch(ctx)
	return f.Token, err
}

// Fetch reads the token and what Vault says about its version.
func (c *Client) Fetch(ctx context.Context) (Found, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	m, err := c.mount(ctx)
	if err != nil {
		return Found{}, err
	}
	apiPath := c.cfg.VaultMount + "/" + c.path
	if m.version == 2 {
		apiPath = c.cfg.VaultMount + "/data/" + c.path
	}
	status, body, err := c.get(ctx, apiPath)
	if err != nil {
		return Found{}, c.explain(ctx, err)
	}
	ans, err := readAnswer(m.version, status, body)
	if err != nil {
		return Found{}, c.explain(ctx, err)
	}
	if ans.absent != "" {
		return Found{}, errs.Wrap("", token.ErrNoToken, ": vault at "+c.Addr()+" says "+c.SecretPath()+": "+ans.absent)
	}
	field := c.cfg.VaultField
	raw, ok := ans.fields[field]
	if !ok { // a field that is there but null is not Vault's "none": an error below
		return Found{}, errs.Wrap("", token.ErrNoToken, ": vault at "+c.Addr()+" says "+c.SecretPath()+" has no field "+strconv.Quote(field))
	}
	s, ok := raw.(string)
	if !ok {
		return Found{}, errors.New("vault " + c.SecretPath() + ": field " + strconv.Quote(field) + " is not text (JSON null, a number or an object);" +
			" store the setup token with `claude-auth-sync rotate`, or remove the field to opt out")
	}
	tok, err := token.NewSecret(s)
	if err != nil {
		return Found{}, errs.Wrap("vault "+c.SecretPath()+" field "+strconv.Quote(field)+": ", err, "; store a fresh one with `claude-auth-sync rotate`")
	}
	f := Found{Token: tok, KVVersion: m.version, Fields: map[string]string{}}
	for k, v := range ans.fields {
		if s, ok := v.(string); ok && k != field {
			f.Fields[k] = s
		}
	}
	if m.version == 2 {
		f.Version, f.CreatedTime = ans.version, ans.created
	}
	return f, nil
}

// mount asks which KV version the mount runs, as the Vault CLI does,
// through sys/internal/ui/mounts, which any token may read for the paths it
// can use; and checks that the mount is the one configured and a KV one.
func (c *Client) mount(ctx context.Context) (mountAnswer, error) {
	status, body, err := c.get(ctx, "sys/internal/ui/mounts/"+c.cfg.VaultMount+"/"+c.path)
	if err != nil {
		return mountAnswer{}, c.explain(ctx, err)
	}
	m, err := mountsAnswer(status, body)
	if err != nil {
		return mountAnswer{}, c.explain(ctx, err)
	}
	if m.kind == "" { // a Vault too old to say: version 1, as the CLI assumes
		return m, nil
	}
	if got := strings.Trim(m.path, "/"); got != c.cfg.VaultMount {
		return m, errors.New("vault at " + c.Addr() + ": the mount that holds " + c.SecretPath() + " is " + strconv.Quote(got) + ", not " + strconv.Quote(c.cfg.VaultMount) + "; set " + config.EnvVaultMount + "=" + got + " and " + config.EnvVaultPath + " to the path below it")
	}
	if m.kind != "kv" && m.kind != "generic" {
		return m, errors.New("vault at " + c.Addr() + ": " + strconv.Quote(c.cfg.VaultMount) + " is a " + m.kind + " mount, not a KV one; check " + config.EnvVaultMount)
	}
	return m, nil
}

// get makes one GET and returns the status and body, whatever the status.
func (c *Client) get(ctx context.Context, path string) (int, []byte, error) {
	resp, err := c.api.Logical().ReadRawWithContext(ctx, path)
	if resp == nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if rerr != nil {
		return 0, nil, rerr
	}
	if len(body) > maxBody {
		return resp.StatusCode, nil, errTooLarge
	}
	return resp.StatusCode, body, nil
}

// explain turns a failed read into one error that says what to check.
func (c *Client) explain(ctx context.Context, err error) error {
	return c.explainAs(ctx, "reading", err)
}

// explainAs turns a failed request (verb: reading, writing) into one error
// that says what to check.
func (c *Client) explainAs(ctx context.Context, verb string, err error) error {
	addr := c.Addr()
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return errors.New(c.cfg.NoAnswer())
	}
	if errors.Is(err, errTooLarge) {
		return fmt.Errorf("vault at %s answered %s %s with %w: remove what else fills that secret (`vault kv get`), "+
			"or keep the token at a path of its own (%s)", addr, verb, c.SecretPath(), err, config.EnvVaultPath)
	}
	var se *shapeError
	if errors.As(err, &se) {
		return errors.New("vault at " + addr + " gave " + se.what + " for " + c.SecretPath() + ", which is not an answer Vault gives; check that VAULT_ADDR is your Vault server and not a proxy or another service")
	}
	if errors.Is(err, errWrapped) {
		return fmt.Errorf("vault at %s: %s %s: %w", addr, verb, c.SecretPath(), err)
	}
	var st *statusError
	if errors.As(err, &st) {
		return c.explainStatus(ctx, verb, st)
	}
	var re *api.ResponseError
	if errors.As(err, &re) {
		return c.explainStatus(ctx, verb, &statusError{status: re.StatusCode, errs: re.Errors})
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return explainTransport(addr, c.cfg.VaultAddr == "", ue)
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() {
		return errors.New(c.cfg.NoAnswer())
	}
	return errs.Wrap("vault at "+addr+": "+verb+" "+c.SecretPath()+": ", err, "")
}

func (c *Client) explainStatus(ctx context.Context, verb string, st *statusError) error {
	detail := st.detail()
	switch {
	case st.unknownToken():
		return c.deadToken()
	case st.status == http.StatusForbidden:
		if mounts, ok := c.visibleMounts(ctx); ok && !slices.Contains(mounts, c.cfg.VaultMount) {
			return errors.New("vault at " + c.Addr() + " has no mount " + strconv.Quote(c.cfg.VaultMount) + " that your token can see (it sees " + strings.Join(mounts, ", ") + "); check " + config.EnvVaultMount)
		}
		return errors.New("vault denied " + verb + " " + c.SecretPath() + " (403): your Vault token's policies do not allow it; " +
			"ask the operator for one that does")
	case st.status == http.StatusBadRequest || st.status == http.StatusMethodNotAllowed:
		return errors.New("vault rejected " + verb + " " + c.SecretPath() + " (" + detail + "); check " + config.EnvVaultMount + " and " + config.EnvVaultPath)
	case st.status == http.StatusNotFound:
		return errors.New("vault at " + c.Addr() + " answered " + verb + " " + c.SecretPath() + " with a 404 about something else than the secret (" + strings.Join(st.errs, "; ") + "): the mount may have been removed or renamed; check " + config.EnvVaultMount)
	case st.sealed():
		return c.explainSealed(ctx)
	case st.status == http.StatusInternalServerError && slices.ContainsFunc(st.errs, isNoActiveNode):
		return errors.New("vault at " + c.Addr() + " is a standby that knows no active node to send the request on to (" + detail +
			"): its cluster is electing a new leader; try again in a few seconds, and if it lasts ask the operator about the cluster")
	}
	return errors.New("vault at " + c.Addr() + " failed " + verb + " " + c.SecretPath() + " (" + detail + "); try again later")
}

// isNoActiveNode reports Vault's answer from a standby during an election.
func isNoActiveNode(e string) bool { return strings.Contains(e, "active cluster node not found") }

// explainSealed tells a sealed node from one that was never initialised,
// which answers the same 503: a node not yet joined to its cluster, or
// one started afresh.
func (c *Client) explainSealed(ctx context.Context) error {
	if s, err := c.api.Sys().SealStatusWithContext(ctx); err == nil && !s.Initialized {
		return errors.New("vault at " + c.Addr() + " is not initialised: it is a node that has not joined its cluster yet, or a new server; set VAULT_ADDR to a node of your running cluster, or ask the operator to join this one")
	}
	return errors.New("vault at " + c.Addr() + " is sealed; it can answer once an operator unseals it")
}

// visibleMounts lists the secret mounts this token can see, without
// slashes; ok is false when Vault would not say.
func (c *Client) visibleMounts(ctx context.Context) ([]string, bool) {
	status, body, err := c.get(ctx, "sys/internal/ui/mounts")
	if err != nil || status != http.StatusOK {
		return nil, false
	}
	e, err := parseEnvelope(body)
	if err != nil {
		return nil, false
	}
	var d struct {
		Secret map[string]any `json:"secret"`
	}
	if decodeNumbers(e.Data, &d) != nil || d.Secret == nil {
		return nil, false
	}
	var out []string
	for k := range d.Secret {
		out = append(out, strings.Trim(k, "/"))
	}
	slices.Sort(out)
	return out, true
}

// explainTransport says why no HTTP answer came back. A request that
// failed at another address than addr was sent on there by addr: a
// standby redirects to its cluster's active node, which may be the one
// that is down.
func explainTransport(addr string, unset bool, ue *url.Error) error {
	err := ue.Err
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &cv), errors.As(err, &ua), errors.As(err, &ci):
		return fmt.Errorf("vault at %s presented a certificate that is not trusted here (%w); "+
			"set VAULT_CACERT to the CA certificate that signed it", addr, err)
	case errors.As(err, &he):
		return fmt.Errorf("vault at %s presented a certificate for another name (%w); use the name the certificate is for in VAULT_ADDR", addr, err)
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return errors.New("vault at " + addr + " speaks plain HTTP; set VAULT_ADDR to http://…")
	}
	if to := origin(ue.URL); to != "" && to != origin(addr) {
		return fmt.Errorf("vault at %s sent the request on to its cluster's active node at %s, which is unreachable (%w); "+
			"the cluster may be electing a new leader: try again in a few seconds, and if it lasts ask the operator about that node", addr, to, err)
	}
	if unset {
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
		return "", errs.Wrap("find the login name of uid "+uid+" for "+config.EnvVaultPath+": ", err, "; set "+config.EnvVaultPath+" without {user}")
	}
	return strings.ReplaceAll(tmpl, "{user}", u.Username), nil
}
