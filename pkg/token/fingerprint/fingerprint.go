// Package fingerprint names a setup token by a short sha256, safe to log: it tells two tokens apart without revealing
// either. It is apart from package token because crypto/sha256 would slow every agent's start.
package fingerprint

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/claude-launch/claude-launch/pkg/token"
)

// Of returns the first 8 hex digits of the token's sha256, or "none".
func Of(s token.Secret) string {
	if s.IsZero() {
		return "none"
	}
	sum := sha256.Sum256([]byte(s.Reveal()))
	return hex.EncodeToString(sum[:4])
}
