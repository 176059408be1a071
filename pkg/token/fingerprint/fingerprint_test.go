package fingerprint

import (
	"testing"

	"github.com/claude-launch/claude-launch/pkg/token"
)

func TestOf(t *testing.T) {
	a, _ := token.NewSecret("sk-ant-oat01-TESTtokenVALUE")
	b, _ := token.NewSecret("sk-ant-oat01-TESTtokenVALUEx")
	if Of(a) == Of(b) || len(Of(a)) != 8 {
		t.Errorf("fingerprints %q and %q", Of(a), Of(b))
	}
	if Of(token.Secret{}) != "none" {
		t.Error("the zero secret's fingerprint is not none")
	}
}
