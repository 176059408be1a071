package vault

import "time"

// Fields written next to the setup token by claude-auth-sync enable.
const (
	FieldCreatedAt = "created_at"
	FieldExpiresAt = "expires_at"
)

// TokenLifetime is how long a setup token lives: `claude setup-token`
// mints it with expires_in 31536000. No public API tells a token's expiry,
// so the mint date plus this is the rule.
const TokenLifetime = 365 * 24 * time.Hour

// Expiry is when the token expires, and how that was learned: the
// expires_at field, else created_at + 365 days, else the KV v2 version's
// created_time + 365 days; zero and "unknown" when none is there.
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
