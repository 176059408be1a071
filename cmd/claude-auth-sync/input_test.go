package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/pkg/token"
)

// TestReadTokenBounds: what enable and rotate read from a pipe is the
// token whole, or an error: never a token cut at the read's bound, and
// never one with more than a line ending after it.
func TestReadTokenBounds(t *testing.T) {
	tok := token.Prefix + "TESTbound_0123456789abcdef"
	for _, tc := range []struct {
		name, in, want string
	}{
		{"the token alone", tok, ""},
		{"the token and a newline", tok + "\n", ""},
		{"the token and CRLF", tok + "\r\n", ""},
		{"claude setup-token's output", "Your OAuth token (valid for 1 year):\n\n" + tok + "\n\nStore this token securely.\n", ""},
		{"10 MB whose token starts just before 64 KiB", strings.Repeat("x", maxTokenInput-19) + tok + strings.Repeat("y", 10<<20), "more than 64 KiB"},
		{"exactly 64 KiB ending in the token", strings.Repeat("\n", maxTokenInput-len(tok)) + tok, ""},
		{"one byte past 64 KiB", strings.Repeat("\n", maxTokenInput-len(tok)+1) + tok, "more than 64 KiB"},
		{"more after the token on its line", tok + " trailing", "invalid setup token"},
		{"a token cut by a quote", tok[:20] + `"` + tok[20:], "invalid setup token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readToken(strings.NewReader(tc.in))
			var u errUsage
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want == "" && got.Reveal() != tok:
				t.Fatalf("read a token of %d bytes, want the whole %d", len(got.Reveal()), len(tok))
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &u)):
				t.Fatalf("err = %v, want a usage error with %q", err, tc.want)
			case err != nil && strings.Contains(err.Error(), "TESTbound"):
				t.Fatalf("the error echoes the token: %v", err)
			}
		})
	}
}
