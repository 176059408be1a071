package creds

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RequiredScope is the scope claude needs of a login since 2.1.81.
const RequiredScope = "user:inference"

// State is the verdict on a credentials file.
type State string

const (
	// Valid: claude can use it as it is.
	Valid State = "valid"
	// Expired: the access token has expired but the refresh token is good;
	// claude refreshes it. Healthy: report it, do not "fix" it.
	Expired State = "expired"
	// Damaged: what a lost refresh race leaves; see Verdict.Damage.
	Damaged State = "damaged"
	// Missing: no credentials file (never logged in, or logged out).
	Missing State = "missing"
)

// Healthy reports whether claude can work with a file in state s.
func (s State) Healthy() bool { return s == Valid || s == Expired }

// Verdict is what Check found.
type Verdict struct {
	State State
	// Damage names what is wrong, for Damaged: "refresh token emptied",
	// "tokens blanked", "expiresAt is 0", …
	Damage []string
	// ExpiresAt is the access token's expiry, zero if unknown.
	ExpiresAt time.Time
	// Subscription is subscriptionType, if any (for status).
	Subscription string
}

func (v Verdict) String() string {
	switch v.State {
	case Damaged:
		return "damaged: " + strings.Join(v.Damage, ", ")
	case Expired:
		return "valid, access token expired " + v.ExpiresAt.UTC().Format(time.RFC3339) + " (claude refreshes it)"
	case Valid:
		return "valid until " + v.ExpiresAt.UTC().Format(time.RFC3339)
	case Missing:
		return "not logged in (no file)"
	}
	return string(v.State)
}

// oauth is the claudeAiOauth object of the file, as claude writes it.
type oauth struct {
	AccessToken      *string   `json:"accessToken"`
	RefreshToken     *string   `json:"refreshToken"`
	ExpiresAt        *float64  `json:"expiresAt"`
	Scopes           *[]string `json:"scopes"`
	SubscriptionType string    `json:"subscriptionType"`
}

// Check judges the content of a credentials file at time now. valid means:
// it parses; claudeAiOauth is present; accessToken and refreshToken are
// non-empty; expiresAt is above 0; scopes is an array holding
// user:inference. No error or Damage text ever holds a token.
func Check(data []byte, now time.Time) Verdict {
	var v Verdict
	damage := func(what string) { v.Damage = append(v.Damage, what) }
	if len(strings.TrimSpace(string(data))) == 0 {
		return Verdict{State: Damaged, Damage: []string{"the file is empty"}}
	}
	var f struct {
		OAuth *oauth `json:"claudeAiOauth"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Verdict{State: Damaged, Damage: []string{"not JSON (at byte " + strconv.Itoa(int(se.Offset)) + ")"}}
		}
		return Verdict{State: Damaged, Damage: []string{"not the JSON claude writes (a field has the wrong type)"}}
	}
	o := f.OAuth
	if o == nil {
		return Verdict{State: Damaged, Damage: []string{"no claudeAiOauth login in it"}}
	}
	v.Subscription = o.SubscriptionType
	access := o.AccessToken != nil && *o.AccessToken != ""
	refresh := o.RefreshToken != nil && *o.RefreshToken != ""
	switch {
	case !access && !refresh:
		damage("tokens blanked")
	case !refresh:
		damage("refresh token emptied")
	case !access:
		damage("access token emptied")
	}
	switch {
	case o.ExpiresAt == nil:
		damage("expiresAt missing")
	case *o.ExpiresAt <= 0:
		damage("expiresAt is 0")
	default:
		v.ExpiresAt = time.UnixMilli(int64(*o.ExpiresAt))
	}
	switch {
	case o.Scopes == nil:
		damage("scopes missing")
	case !slices.Contains(*o.Scopes, RequiredScope):
		damage("no " + RequiredScope + " scope")
	}
	switch {
	case len(v.Damage) > 0:
		v.State = Damaged
	case !now.Before(v.ExpiresAt):
		v.State = Expired
	default:
		v.State = Valid
	}
	return v
}
