package creds

import (
	"bytes"
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
	Valid   State = "valid"   // claude can use it as it is
	Expired State = "expired" // the access token expired, the refresh token is good: healthy
	Damaged State = "damaged" // what a lost refresh race leaves; see Verdict.Damage
	Missing State = "missing" // no credentials file (never logged in, or logged out)
)

// Healthy reports whether claude can work with a file in state s.
func (s State) Healthy() bool { return s == Valid || s == Expired }

// Verdict is what Check found.
type Verdict struct {
	State     State
	Damage    []string  // what is wrong, for Damaged: "refresh token emptied", "expiresAt is 0", …
	ExpiresAt time.Time // the access token's expiry, zero if unknown
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

// Check judges a credentials file at now (valid: a claudeAiOauth with both tokens, expiresAt above 0, RequiredScope); Damage holds no token.
func Check(data []byte, now time.Time) Verdict {
	damaged := func(what string) Verdict { return Verdict{State: Damaged, Damage: []string{what}} }
	if len(bytes.TrimSpace(data)) == 0 {
		return damaged("the file is empty")
	}
	var f struct {
		OAuth *struct { // as claude writes it; null reads as missing
			AccessToken      string   `json:"accessToken"`
			RefreshToken     string   `json:"refreshToken"`
			ExpiresAt        *float64 `json:"expiresAt"`
			Scopes           []string `json:"scopes"`
			SubscriptionType string   `json:"subscriptionType"` // unused, but a wrong type is damage
		} `json:"claudeAiOauth"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			return damaged("not JSON (at byte " + strconv.Itoa(int(se.Offset)) + ")")
		}
		return damaged("not the JSON claude writes (a field has the wrong type)")
	}
	o := f.OAuth
	if o == nil {
		return damaged("no claudeAiOauth login in it")
	}
	v := Verdict{State: Valid}
	if o.ExpiresAt != nil && *o.ExpiresAt > 0 {
		v.ExpiresAt = time.UnixMilli(int64(*o.ExpiresAt))
	}
	for _, d := range []struct {
		bad  bool
		what string
	}{
		{o.AccessToken == "" && o.RefreshToken == "", "tokens blanked"},
		{o.AccessToken != "" && o.RefreshToken == "", "refresh token emptied"},
		{o.AccessToken == "" && o.RefreshToken != "", "access token emptied"},
		{o.ExpiresAt == nil, "expiresAt missing"},
		{o.ExpiresAt != nil && *o.ExpiresAt <= 0, "expiresAt is 0"},
		{o.Scopes == nil, "scopes missing"},
		{o.Scopes != nil && !slices.Contains(o.Scopes, RequiredScope), "no " + RequiredScope + " scope"},
	} {
		if d.bad {
			v.State, v.Damage = Damaged, append(v.Damage, d.what)
		}
	}
	if v.State == Valid && !now.Before(v.ExpiresAt) {
		v.State = Expired
	}
	return v
}
