package token

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

const (
	Prefix   = "sk-ant-oat01-"           // starts every Claude Code setup token (`claude setup-token`)
	EnvVar   = "CLAUDE_CODE_OAUTH_TOKEN" // the variable through which Claude Code takes a setup token
	redacted = "[REDACTED]"              // what every printing method of Secret shows
)

// ErrInvalidToken means a token was empty, lacked Prefix, or held a character that could break the env file or environment.
var ErrInvalidToken = errors.New("invalid setup token")

// Secret holds a setup token: every printing and marshalling method shows it
// redacted (encoding/json and slog's too, via MarshalText); Reveal is the one way to the value.
type Secret struct {
	value string
}

// NewSecret validates s and wraps it. The error never contains s.
func NewSecret(s string) (Secret, error) {
	bad := strings.IndexFunc(s, func(r rune) bool { return !tokenRune(r) })
	switch {
	case s == "":
		return Secret{}, Wrap("", ErrInvalidToken, ": it is empty")
	case !strings.HasPrefix(s, Prefix):
		return Secret{}, Wrap("", ErrInvalidToken, ": it does not start with \""+Prefix+"\" (make one with `claude setup-token`)")
	case len(s) == len(Prefix):
		return Secret{}, Wrap("", ErrInvalidToken, ": nothing follows \""+Prefix+"\"")
	case bad >= 0:
		return Secret{}, Wrap("", ErrInvalidToken, ": byte "+strconv.Itoa(bad+1)+
			" is whitespace, a control character or a character a setup token never has")
	}
	return Secret{value: s}, nil
}

// tokenRune reports whether r may appear in a token: base64(url) and URL-safe marks, none quoted in bash or systemd.
func tokenRune(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-_.~+/=", r)
}

// IsZero reports whether s holds no token.
func (s Secret) IsZero() bool { return s.value == "" }

// Reveal returns the token: only to write the env file or a child's environment.
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

// Format implements fmt.Formatter: every verb, %x and %q too, prints it redacted.
func (s Secret) Format(f fmt.State, verb rune) {
	out := s.String()
	if verb == 'v' && f.Flag('#') {
		out = s.GoString()
	}
	_, _ = f.Write([]byte(out))
}

// MarshalText implements encoding.TextMarshaler with the redacted form.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
