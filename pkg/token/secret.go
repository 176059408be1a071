package token

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Prefix starts every Claude Code setup token (`claude setup-token`).
const Prefix = "sk-ant-oat01-"

// EnvVar is the variable through which Claude Code takes a setup token.
const EnvVar = "CLAUDE_CODE_OAUTH_TOKEN"

// redacted is what every printing method of Secret shows.
const redacted = "[REDACTED]"

// ErrInvalidToken means a token was empty, lacked Prefix, or held a
// character that could break the env file or the environment (whitespace,
// control characters, quotes).
var ErrInvalidToken = errors.New("invalid setup token")

// Secret holds a setup token. Its printing and marshalling methods all show
// a redacted form, so a Secret that reaches a log line, an error or a JSON
// document does not leak; Reveal is the one way to the value.
//
// log/slog handlers redact it too, through MarshalText (text) and
// MarshalJSON (JSON). It has no slog.LogValuer method on purpose: importing
// log/slog here would link slog, fmt and reflection into claude-launch and
// cost every agent start-up time; log package fingerprint's Of where a log
// must tell tokens apart.
type Secret struct {
	value string
}

// NewSecret validates s and wraps it. The error never contains s.
func NewSecret(s string) (Secret, error) {
	switch {
	case s == "":
		return Secret{}, wrap("", ErrInvalidToken, ": it is empty")
	case !strings.HasPrefix(s, Prefix):
		return Secret{}, wrap("", ErrInvalidToken, ": it does not start with \""+Prefix+"\" (make one with `claude setup-token`)")
	case len(s) == len(Prefix):
		return Secret{}, wrap("", ErrInvalidToken, ": nothing follows \""+Prefix+"\"")
	}
	for i := 0; i < len(s); i++ {
		if !tokenByte(s[i]) {
			return Secret{}, wrap("", ErrInvalidToken, ": byte "+strconv.Itoa(i+1)+" is whitespace, a control character or a character a setup token never has")
		}
	}
	return Secret{value: s}, nil
}

// tokenByte reports whether c may appear in a token: the base64 and
// base64url alphabets and a few URL-safe marks, all of which need no quoting
// in bash or in a systemd EnvironmentFile.
func tokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-_.~+/=", c) >= 0
}

// IsZero reports whether s holds no token.
func (s Secret) IsZero() bool { return s.value == "" }

// Reveal returns the token itself. Call it only to write the env file or to
// build a child's environment.
func (s Secret) Reveal() string { return s.value }

// Equal reports whether two secrets hold the same token.
func (s Secret) Equal(o Secret) bool { return s.value == o.value }

// String implements fmt.Stringer with the redacted form.
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer with the redacted form.
func (s Secret) GoString() string { return "token.Secret(" + redacted + ")" }

// Format implements fmt.Formatter so that every verb, %x and %q included,
// prints the redacted form.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(s.String()))
}

// MarshalText implements encoding.TextMarshaler with the redacted form.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalJSON implements json.Marshaler with the redacted form.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }
