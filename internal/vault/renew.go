package vault

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/claude-launch/claude-launch/internal/errs"
	"github.com/hashicorp/vault/api"
)

// TokenWarning is how long before the user's Vault token can no longer be
// renewed status warns (and the alert fires): time to run `vault login`.
const TokenWarning = 3 * 24 * time.Hour

// TokenInfo is what Vault says of the user's own Vault token, as the
// token itself may ask (lookup-self): never the token.
type TokenInfo struct {
	// Expires is when the token ends unless renewed; zero for a token
	// that never expires (root, or no TTL).
	Expires time.Time `json:"expires,omitzero"`
	// TTL is the time left at the look-up, and CreationTTL the TTL each
	// renewal asks for again (the period, for a periodic token).
	TTL         time.Duration `json:"ttl"`
	CreationTTL time.Duration `json:"creation_ttl"`
	// Renewable says renew-self can extend it; Periodic that it has a
	// period and no max TTL, so it can be renewed for ever.
	Renewable bool `json:"renewable"`
	Periodic  bool `json:"periodic"`
	// Renewed says this look-up renewed it; Capped that the renewal gave
	// less than it asked for, because the token's max TTL is near: it
	// ends at Expires whatever the timer does.
	Renewed bool `json:"renewed,omitempty"`
	Capped  bool `json:"capped,omitempty"`
}

// Ending says whether the token ends within TokenWarning of now and no
// renewal can push that back: the user must log in again.
func (i TokenInfo) Ending(now time.Time) bool {
	return !i.Expires.IsZero() && i.Expires.Sub(now) < TokenWarning && (!i.Renewable || i.Capped)
}

// ErrTokenDead means the user's Vault token has expired or was revoked.
var ErrTokenDead = errors.New("your Vault token has expired or was revoked")

// LookupToken asks Vault about the user's own token, changing nothing.
func (c *Client) LookupToken(ctx context.Context) (TokenInfo, error) {
	return c.token(ctx, false)
}

// KeepToken renews the user's own token when half of its TTL has passed
// (renew-self, asking for its creation TTL again; a periodic token for
// its period), as Vault Agent does, so that a person who logged in once
// is not cut off when it expires; a token that cannot be renewed is left
// as it is. Run by the timer's sync, never by a launch.
func (c *Client) KeepToken(ctx context.Context) (TokenInfo, error) {
	return c.token(ctx, true)
}

func (c *Client) token(ctx context.Context, renew bool) (TokenInfo, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	s, err := c.api.Auth().Token().LookupSelfWithContext(ctx)
	if err != nil {
		return TokenInfo{}, c.explainToken(ctx, err)
	}
	info, err := tokenInfo(s)
	if err != nil || !renew || !info.Renewable || info.TTL == 0 || info.TTL > info.CreationTTL/2 {
		return info, err
	}
	r, err := c.api.Auth().Token().RenewSelfWithContext(ctx, int(info.CreationTTL.Seconds()))
	if err != nil {
		return info, c.explainToken(ctx, err)
	}
	if r == nil || r.Auth == nil {
		return info, errors.New("vault at " + c.Addr() + " renewed your Vault token without saying for how long")
	}
	ttl := time.Duration(r.Auth.LeaseDuration) * time.Second
	info.Renewed, info.TTL, info.Expires = true, ttl, time.Now().Add(ttl)
	// Asked for CreationTTL: less means the max TTL cut it short.
	info.Capped = ttl < info.CreationTTL*9/10
	return info, nil
}

// tokenInfo reads lookup-self's answer.
func tokenInfo(s *api.Secret) (TokenInfo, error) {
	if s == nil || s.Data == nil {
		return TokenInfo{}, errShape("a token look-up without data")
	}
	// A field absent, or of another type, counts as 0.
	num := func(k string) time.Duration {
		n, ok := s.Data[k].(json.Number)
		if !ok {
			return 0
		}
		i, _ := n.Int64()
		return time.Duration(i) * time.Second
	}
	var i TokenInfo
	i.TTL, i.CreationTTL = num("ttl"), num("creation_ttl")
	i.Renewable, _ = s.Data["renewable"].(bool)
	if p := num("period"); p > 0 {
		i.CreationTTL = p
		i.Periodic = num("explicit_max_ttl") == 0
	}
	if e, ok := s.Data["expire_time"].(string); ok && e != "" {
		if t, err := time.Parse(time.RFC3339Nano, e); err == nil {
			i.Expires = t
		}
	}
	return i, nil
}

// explainToken says what to do about a failed look-up or renewal.
func (c *Client) explainToken(ctx context.Context, err error) error {
	var re *api.ResponseError
	if errors.As(err, &re) && (re.StatusCode == http.StatusForbidden || re.StatusCode == http.StatusUnauthorized) {
		return errs.Wrap("", ErrTokenDead, " (vault at "+c.Addr()+" says 403): log in again (`vault login`, with your method, e.g. `vault login -method=userpass username=$USER`)")
	}
	if errors.As(err, &re) {
		// Not about the secret: the reading hints (mount, path) do not apply.
		st := &statusError{status: re.StatusCode, errs: re.Errors}
		if st.sealed() {
			return c.explainSealed(ctx)
		}
		return errors.New("vault at " + c.Addr() + " failed looking up your Vault token (" + st.detail() + "); try again later")
	}
	return c.explain(ctx, err)
}
