package token

import (
	std "crypto/sha256"
	"strings"
	"testing"
)

func TestSHA256MatchesStdlib(t *testing.T) {
	for n := range 300 { // every padding case: lengths around 55, 56, 64, 119, 128…
		in := []byte(strings.Repeat("sk-ant-oat01-x", 30)[:n])
		if sum256(in) != std.Sum256(in) {
			t.Fatalf("length %d: digest differs from crypto/sha256", n)
		}
	}
}

func FuzzSHA256MatchesStdlib(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("abc"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if sum256(in) != std.Sum256(in) {
			t.Fatalf("digest of %q differs from crypto/sha256", in)
		}
	})
}
