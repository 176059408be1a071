package vault

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/hashicorp/vault/api"
)

// Store writes tok into the user's secret with its created_at and
// expires_at, keeping every other field: on KV v2 a merge patch, or, where
// the policy does not allow patch, a read and a write guarded by
// check-and-set; on KV v1 a read and a write. This is the one place a
// token goes to Vault, and the third place (after the env file and the
// child's environment) Reveal is called.
func (c *Client) Store(ctx context.Context, tok token.Secret, created, expires time.Time) error {
	fields := map[string]any{
		c.cfg.VaultField: tok.Reveal(),
		FieldCreatedAt:   created.UTC().Format(time.RFC3339),
		FieldExpiresAt:   expires.UTC().Format(time.RFC3339),
	}
	return c.write(ctx, func(old map[string]any) map[string]any {
		for k, v := range fields {
			old[k] = v
		}
		return old
	}, fields)
}

// Remove deletes the token and its two dates from the user's secret,
// keeping every other field. A secret already without them is left alone.
func (c *Client) Remove(ctx context.Context) error {
	drop := map[string]any{c.cfg.VaultField: nil, FieldCreatedAt: nil, FieldExpiresAt: nil}
	return c.write(ctx, func(old map[string]any) map[string]any {
		for k := range drop {
			delete(old, k)
		}
		return old
	}, drop)
}

// write changes the secret's fields: patch is the merge patch for KV v2
// (a nil value deletes a field), change the same edit on a copy of the
// fields for a read-modify-write.
func (c *Client) write(ctx context.Context, change func(map[string]any) map[string]any, patch map[string]any) error {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	m, err := c.mount(ctx)
	if err != nil {
		return err
	}
	if m.version == 2 {
		kv := c.api.KVv2(c.cfg.VaultMount)
		_, err := kv.Patch(ctx, c.path, patch)
		var re *api.ResponseError
		switch {
		case err == nil:
			return nil
		case errors.Is(err, api.ErrSecretNotFound):
			// Nothing there yet: create it, unless someone just did.
			if isRemoval(patch) {
				return nil
			}
			_, err = kv.Put(ctx, c.path, change(map[string]any{}), api.WithCheckAndSet(0))
			return c.explainWrite(ctx, err)
		case errors.As(err, &re) && re.StatusCode == http.StatusForbidden:
			// No patch capability: read, change, write if unchanged since.
			cur, gerr := kv.Get(ctx, c.path)
			if gerr != nil {
				return c.explainWrite(ctx, err)
			}
			_, err = kv.Put(ctx, c.path, change(cur.Data), api.WithCheckAndSet(cur.VersionMetadata.Version))
			return c.explainWrite(ctx, err)
		}
		return c.explainWrite(ctx, err)
	}
	kv := c.api.KVv1(c.cfg.VaultMount)
	cur, err := kv.Get(ctx, c.path)
	old := map[string]any{}
	switch {
	case err == nil:
		old = cur.Data
	case errors.Is(err, api.ErrSecretNotFound):
		if isRemoval(patch) {
			return nil
		}
	default:
		return c.explainWrite(ctx, err)
	}
	fields := change(old)
	if len(fields) == 0 {
		return c.explainWrite(ctx, kv.Delete(ctx, c.path))
	}
	return c.explainWrite(ctx, kv.Put(ctx, c.path, fields))
}

func isRemoval(patch map[string]any) bool {
	for _, v := range patch {
		if v != nil {
			return false
		}
	}
	return true
}

// explainWrite says what to do about a failed write; nil stays nil.
func (c *Client) explainWrite(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var re *api.ResponseError
	if errors.As(err, &re) && re.StatusCode == http.StatusForbidden {
		return errors.New("vault denied writing " + c.SecretPath() + " (403): your Vault token may read it but not write it; ask for a policy with create, update and patch on it, or store the token there yourself (`vault kv patch`)")
	}
	if errors.As(err, &re) && re.StatusCode == http.StatusBadRequest {
		return errors.New("vault rejected writing " + c.SecretPath() + " (400: " + strings.Join(re.Errors, "; ") + "); it changed meanwhile: try again")
	}
	return c.explainAs(ctx, "writing", err)
}
