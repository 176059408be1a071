package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hashicorp/vault/api"
)

// TimerGap is the longest time between two timer runs (1h + up to 5 min): renewal at half a TTL needs one over twice it.
const TimerGap = 65 * time.Minute

// TokenInfo is what Vault says of the user's own Vault token (lookup-self), never the token.
type TokenInfo struct {
	Expires     time.Time     `json:"expires,omitzero"` // unless renewed; zero if it never expires
	Ends        time.Time     `json:"ends,omitzero"`    // whatever the timer does; zero when renewals carry it on
	TTL         time.Duration `json:"ttl"`              // left
	CreationTTL time.Duration `json:"creation_ttl"`     // what each renewal asks for (a periodic token's period)
	Renewable   bool          `json:"renewable"`
	Periodic    bool          `json:"periodic"`                          // no max TTL: renewable for ever
	Short       bool          `json:"ttl_too_short_for_timer,omitempty"` // for the timer to catch it at half
	Renewed     bool          `json:"renewed,omitempty"`                 // by this look-up
	Capped      bool          `json:"capped,omitempty"`                  // given less than asked: the max TTL is near
}

// Ending says whether the token ends for good within 3 days of now: then status warns and the alert fires.
func (i TokenInfo) Ending(now time.Time) bool {
	return !i.Ends.IsZero() && i.Ends.Sub(now) < 3*24*time.Hour
}

// settle sets Short, and Ends to Expires when no renewal will come.
func (i *TokenInfo) settle() {
	i.Short = i.Renewable && i.CreationTTL <= 2*TimerGap
	if !i.Expires.IsZero() && (!i.Renewable || i.Capped || i.Short) {
		i.Ends = i.Expires
	}
}

// ErrTokenDead means Vault does not know the user's Vault token (expired, revoked or never issued: it cannot tell).
var ErrTokenDead = errors.New("does not know the Vault token")

// Token asks Vault about the user's own token; with renew (the timer's sync, never a launch) it renews it past half its TTL for
// its creation TTL (or period), as Vault Agent does. A failed renewal returns the look-up's info too.
func (c *Client) Token(ctx context.Context, renew bool) (info TokenInfo, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.VaultTimeout)
	defer cancel()
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
	if st := asStatus(err); st != nil && st.status == http.StatusForbidden {
		info.Ends = info.Expires // denied: no run will renew it
	}
	if err != nil {
		return info, c.explainToken(ctx, "renewing", err)
	}
	if r == nil || r.Auth == nil {
		return info, fmt.Errorf("vault at %s renewed your Vault token without saying for how long", c.Addr())
	}
	ttl := time.Duration(r.Auth.LeaseDuration) * time.Second
	info.Renewed, info.TTL, info.Expires, info.Capped = true, ttl, time.Now().Add(ttl), ttl < info.CreationTTL*9/10
	return info, nil
}

// tokenInfo reads lookup-self's answer.
func tokenInfo(s *api.Secret) (TokenInfo, error) {
	if s == nil || s.Data == nil {
		return TokenInfo{}, shapeError("a token look-up without data")
	}
	num := func(k string) time.Duration { // absent, or of another type: 0
		n, _ := s.Data[k].(json.Number)
		i, _ := n.Int64()
		return time.Duration(i) * time.Second
	}
	i := TokenInfo{TTL: num("ttl"), CreationTTL: num("creation_ttl")}
	i.Renewable, _ = s.Data["renewable"].(bool)
	if m := num("explicit_max_ttl"); m > 0 {
		i.Ends = time.Unix(int64(num("creation_time").Seconds()), 0).Add(m)
	}
	if p := num("period"); p > 0 {
		i.CreationTTL, i.Periodic = p, num("explicit_max_ttl") == 0
	}
	e, _ := s.Data["expire_time"].(string)
	i.Expires, _ = time.Parse(time.RFC3339Nano, e) // zero when absent
	return i, nil
}

// explainToken says what to do about a failed look-up or renewal (verb: "looking up", "renewing").
func (c *Client) explainToken(ctx context.Context, verb string, err error) error {
	st := asStatus(err)
	switch {
	case st == nil || st.is(http.StatusForbidden, "invalid token") || st.is(http.StatusServiceUnavailable, "sealed"):
		return c.explain(ctx, "reading", err) // no answer, a dead token, a sealed node: as for any request
	case st.status == http.StatusForbidden:
		return fmt.Errorf("vault at %s denied %s your Vault token (403), so the timer cannot keep it alive: "+
			"ask the operator for the `default` policy next to yours, or log in again (`vault login`) before it ends", c.Addr(), verb)
	}
	return fmt.Errorf("vault at %s failed %s your Vault token (%s); try again later", c.Addr(), verb, st.detail())
}
