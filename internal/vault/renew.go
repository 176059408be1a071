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

// TokenWarning is how long before the user's Vault token ends for good
// status warns (and the alert fires): time to run `vault login`.
const TokenWarning = 3 * 24 * time.Hour

// TimerGap is the longest time between two runs of the timer
// (claude-auth-sync.timer: 1h, plus up to 5 min): a token renewed at half
// its TTL needs a TTL over twice this.
const TimerGap = 65 * time.Minute

// TokenInfo is what Vault says of the user's own Vault token, as the
// token itself may ask (lookup-self): never the token.
type TokenInfo struct {
	// Expires is when the token ends unless renewed; zero for a token
	// that never expires (root, or no TTL).
	Expires time.Time `json:"expires,omitzero"`
	// Ends is when it ends whatever the timer does: Expires when no run
	// will renew it, else the end of its explicit max TTL; zero when
	// renewals carry it on.
	Ends time.Time `json:"ends,omitzero"`
	// TTL is the time left at the look-up, and CreationTTL the TTL each
	// renewal asks for again (the period, for a periodic token).
	TTL         time.Duration `json:"ttl"`
	CreationTTL time.Duration `json:"creation_ttl"`
	// Renewable says renew-self can extend it; Periodic that it has a
	// period and no max TTL, so it can be renewed for ever; Short that its
	// TTL is too short for the timer to catch it at half.
	Renewable bool `json:"renewable"`
	Periodic  bool `json:"periodic"`
	Short     bool `json:"ttl_too_short_for_timer,omitempty"`
	// Renewed says this look-up renewed it; Capped that the renewal gave
	// less than it asked for, because the token's max TTL is near: it
	// ends at Expires whatever the timer does.
	Renewed bool `json:"renewed,omitempty"`
	Capped  bool `json:"capped,omitempty"`
}

// Ending says whether the token ends for good within TokenWarning of now:
// the user must log in again.
func (i TokenInfo) Ending(now time.Time) bool {
	return !i.Ends.IsZero() && i.Ends.Sub(now) < TokenWarning
}

// settle sets Short, and Ends to Expires when no renewal will come.
func (i *TokenInfo) settle() {
	i.Short = i.Renewable && i.CreationTTL <= 2*TimerGap
	if !i.Expires.IsZero() && (!i.Renewable || i.Capped || i.Short) {
		i.Ends = i.Expires
	}
}

// ErrTokenDead means Vault does not know the user's Vault token: it
// expired, was revoked, or was never issued (Vault cannot tell which).
var ErrTokenDead = errors.New("does not know the Vault token")

// LookupToken asks Vault about the user's own token, changing nothing.
func (c *Client) LookupToken(ctx context.Context) (TokenInfo, error) {
	return c.token(ctx, false)
}

// KeepToken renews the user's own token when half of its TTL has passed
// (renew-self, asking for its creation TTL again; a periodic token for
// its period), as Vault Agent does, so that a person who logged in once
// is not cut off when it expires; a token that cannot be renewed is left
// as it is. Run by the timer's sync, never by a launch. A failed renewal
// returns the look-up's info with the error.
func (c *Client) KeepToken(ctx context.Context) (TokenInfo, error) {
	return c.token(ctx, true)
}

func (c *Client) token(ctx context.Context, renew bool) (info TokenInfo, err error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	s, err := c.api.Auth().Token().LookupSelfWithContext(ctx)
	if err != nil {
		return TokenInfo{}, c.explainToken(ctx, "looking up", err)
	}
	defer info.settle()
	info, err = tokenInfo(s)
	if err != nil || !renew || !info.Renewable || info.TTL == 0 || info.TTL > info.CreationTTL/2 {
		return info, err
	}
	r, err := c.api.Auth().Token().RenewSelfWithContext(ctx, int(info.CreationTTL.Seconds()))
	if re := (*api.ResponseError)(nil); errors.As(err, &re) && re.StatusCode == http.StatusForbidden {
		info.Ends = info.Expires // denied: no run will renew it
	}
	if err != nil {
		return info, c.explainToken(ctx, "renewing", err)
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
	if m := num("explicit_max_ttl"); m > 0 {
		i.Ends = time.Unix(int64(num("creation_time").Seconds()), 0).Add(m)
	}
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

// explainToken says what to do about a failed look-up or renewal (verb:
// "looking up", "renewing").
func (c *Client) explainToken(ctx context.Context, verb string, err error) error {
	var re *api.ResponseError
	if !errors.As(err, &re) {
		return c.explain(ctx, err)
	}
	// Not about the secret: the reading hints (mount, path) do not apply.
	st := &statusError{status: re.StatusCode, errs: re.Errors}
	switch {
	case st.unknownToken():
		return c.deadToken()
	case st.status == http.StatusForbidden:
		return errors.New("vault at " + c.Addr() + " denied " + verb + " your Vault token (403), so the timer cannot keep it alive: " +
			"ask the operator for the `default` policy next to yours, or log in again (`vault login`) before it ends")
	case st.sealed():
		return c.explainSealed(ctx)
	}
	return errors.New("vault at " + c.Addr() + " failed " + verb + " your Vault token (" + st.detail() + "); try again later")
}

// deadToken is ErrTokenDead, saying where the token came from.
func (c *Client) deadToken() error {
	fix := map[bool]string{true: ", and unset VAULT_TOKEN or set it to the new token"}[c.from == "VAULT_TOKEN"]
	return errs.Wrap("vault at "+c.Addr()+" ", ErrTokenDead,
		" in "+c.from+" (it expired, was revoked, or was never issued): log in again (`vault login`)"+fix)
}
