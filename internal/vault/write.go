package vault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/hashicorp/vault/api"
)

// Fields written next to the setup token by claude-auth-sync enable.
const (
	FieldCreatedAt = "created_at"
	FieldExpiresAt = "expires_at"
)

// TokenLifetime is how long a setup token lives (`claude setup-token` mints
// it with expires_in 31536000); no public API tells a token's expiry.
const TokenLifetime = 365 * 24 * time.Hour

// Expiry is when the token expires, and how that was learned: expires_at,
// else created_at + 365 days, else the KV v2 version's created_time + 365
// days; zero and "unknown" when none is there.
func (f Found) Expiry() (time.Time, string) {
	if t, err := time.Parse(time.RFC3339, f.Fields[FieldExpiresAt]); err == nil {
		return t, "the expires_at field"
	}
	if t, err := time.Parse(time.RFC3339, f.Fields[FieldCreatedAt]); err == nil {
		return t.Add(TokenLifetime), "created_at + 365 days"
	}
	if !f.CreatedTime.IsZero() {
		return f.CreatedTime.Add(TokenLifetime), "the secret version's created_time + 365 days"
	}
	return time.Time{}, "unknown"
}

// Store writes tok into the user's secret with its created_at and
// expires_at, keeping every other field (see write). This is the one place
// a token goes to Vault, and the third place Reveal is called.
func (c *Client) Store(ctx context.Context, tok token.Secret, created, expires time.Time) error {
	return c.write(ctx, map[string]any{
		c.cfg.VaultField: tok.Reveal(),
		FieldCreatedAt:   created.UTC().Format(time.RFC3339),
		FieldExpiresAt:   expires.UTC().Format(time.RFC3339),
	})
}

// Remove deletes the token and its two dates from the user's secret,
// keeping every other field. A secret already without them is left alone.
func (c *Client) Remove(ctx context.Context) error {
	return c.write(ctx, map[string]any{c.cfg.VaultField: nil, FieldCreatedAt: nil, FieldExpiresAt: nil})
}

// write applies patch (a nil value deletes a field) to the secret's fields:
// on KV v2 as a merge patch, or, where the policy does not allow patch, a
// read and a write guarded by check-and-set; on KV v1 a read and a write.
func (c *Client) write(ctx context.Context, patch map[string]any) error {
	ctx, cancel := c.bound(ctx)
	defer cancel()
	m, err := c.mount(ctx)
	if err != nil {
		return err
	}
	removal := true
	for _, v := range patch {
		removal = removal && v == nil
	}
	change := func(old map[string]any) map[string]any {
		for k, v := range patch {
			if v == nil {
				delete(old, k)
			} else {
				old[k] = v
			}
		}
		return old
	}
	if m.version == 2 {
		kv := c.api.KVv2(c.cfg.VaultMount)
		_, err := kv.Patch(ctx, c.path, patch)
		if errors.Is(err, api.ErrSecretNotFound) && removal {
			return nil
		} else if errors.Is(err, api.ErrSecretNotFound) { // create it, unless someone just did
			_, err = kv.Put(ctx, c.path, change(map[string]any{}), api.WithCheckAndSet(0))
		} else if st := asStatus(err); st != nil && st.status == http.StatusForbidden {
			// No patch capability: read, change, write if unchanged since.
			if cur, gerr := kv.Get(ctx, c.path); gerr == nil {
				_, err = kv.Put(ctx, c.path, change(cur.Data), api.WithCheckAndSet(cur.VersionMetadata.Version))
			}
		}
		return c.explainWrite(ctx, err)
	}
	kv := c.api.KVv1(c.cfg.VaultMount)
	cur, err := kv.Get(ctx, c.path)
	old := map[string]any{}
	switch {
	case err == nil:
		old = cur.Data
	case !errors.Is(err, api.ErrSecretNotFound):
		return c.explainWrite(ctx, err)
	case removal:
		return nil
	}
	if fields := change(old); len(fields) > 0 {
		return c.explainWrite(ctx, kv.Put(ctx, c.path, fields))
	}
	return c.explainWrite(ctx, kv.Delete(ctx, c.path))
}

// explainWrite says what to do about a failed write; nil stays nil.
func (c *Client) explainWrite(ctx context.Context, err error) error {
	switch st := asStatus(err); {
	case err == nil:
		return nil
	case st != nil && st.status == http.StatusForbidden:
		return fmt.Errorf("vault denied writing %s (403): your Vault token may read it but not write it; ask for a policy with create, "+
			"update and patch on it, or store the token there yourself (`vault kv patch`)", c.SecretPath())
	case st != nil && st.status == http.StatusBadRequest:
		return fmt.Errorf("vault rejected writing %s (400: %s); it changed meanwhile: try again", c.SecretPath(), strings.Join(st.errs, "; "))
	}
	return c.explain(ctx, "writing", err)
}
