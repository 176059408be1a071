package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const testToken = "sk-ant-oat01-TESTtokenVALUE_abc-123"

func TestSecretNeverPrints(t *testing.T) {
	s, err := NewSecret(testToken)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(struct{ T Secret }{s})
	txt, _ := s.MarshalText()
	var logged, loggedJSON strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "token", s)
	slog.New(slog.NewJSONHandler(&loggedJSON, nil)).Info("x", "token", s)
	outs := map[string]string{
		"%v": fmt.Sprintf("%v", s), "%+v": fmt.Sprintf("%+v", s), "%#v": fmt.Sprintf("%#v", s),
		"%s": fmt.Sprintf("%s", s), "%q": fmt.Sprintf("%q", s), "%x": fmt.Sprintf("%x", s),
		"%X": fmt.Sprintf("%X", s), "%d": fmt.Sprintf("%d", s), "struct": fmt.Sprintf("%+v", struct{ T Secret }{s}),
		"ptr": fmt.Sprintf("%v", &s), "Sprint": fmt.Sprint(s), "json": string(j), "text": string(txt),
		"slog": logged.String(), "slog json": loggedJSON.String(), "error": fmt.Errorf("wrap %v", s).Error(),
	}
	for name, out := range outs {
		if strings.Contains(out, "TESTtokenVALUE") || strings.Contains(out, "oat01") {
			t.Errorf("%s leaks the token: %s", name, out)
		}
	}
	if !strings.Contains(logged.String(), "token=[REDACTED]") || !strings.Contains(loggedJSON.String(), `"token":"[REDACTED]"`) {
		t.Errorf("slog output lacks the redacted form: %s %s", logged.String(), loggedJSON.String())
	}
	if s.Reveal() != testToken {
		t.Error("Reveal does not give the token back")
	}
}

func TestNewSecret(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"valid", testToken, true},
		{"base64 marks", Prefix + "ab+/=.~_-Z9", true},
		{"empty", "", false},
		{"prefix only", Prefix, false},
		{"wrong prefix", "sk-ant-api03-abc", false},
		{"refresh token", "sk-ant-ort01-abc", false},
		{"space", Prefix + "ab cd", false},
		{"tab", Prefix + "ab\tcd", false},
		{"newline injects a variable", Prefix + "ab\nEVIL=1", false},
		{"carriage return", Prefix + "abc\r", false},
		{"nul", Prefix + "ab\x00", false},
		{"quote", Prefix + "ab'c", false},
		{"dollar", Prefix + "ab$HOME", false},
		{"non-ascii", Prefix + "abé", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSecret(tc.in)
			if tc.ok != (err == nil) {
				t.Fatalf("NewSecret: err=%v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalidToken) {
					t.Errorf("error %v is not ErrInvalidToken", err)
				}
				if tc.in != "" && len(tc.in) > len(Prefix) && strings.Contains(err.Error(), tc.in[len(Prefix):]) {
					t.Errorf("error quotes the token: %v", err)
				}
				if !s.IsZero() {
					t.Error("a refused token is not zero")
				}
			}
		})
	}
}

func TestZeroSecretPrintsNothing(t *testing.T) {
	if (Secret{}).String() != "" {
		t.Error("zero secret prints something")
	}
}
