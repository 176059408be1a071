package token

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

func TestParseEnv(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // value of X, "-" when unset
		errLine  int
	}{
		{"bare", "X=abc\n", "abc", 0},
		{"no newline at end", "X=abc", "abc", 0},
		{"export", "export X=abc\n", "abc", 0},
		{"export with tabs", "export\t\tX=abc\n", "abc", 0},
		{"single quotes", "X='abc'\n", "abc", 0},
		{"double quotes", "X=\"abc\"\n", "abc", 0},
		{"escapes in double quotes", `X="a\"b\\c\$"`, `a"b\c$`, 0},
		{"mixed parts", `X=a'b'"c"`, "abc", 0},
		{"comment lines and blanks", "# c\n\n   # indented\nX=abc\n\n", "abc", 0},
		{"trailing comment", "X=abc # note\n", "abc", 0},
		{"leading blanks", "   X=abc\n", "abc", 0},
		{"later wins", "X=a\nX=b\n", "b", 0},
		{"empty value", "X=\n", "", 0},
		{"other names", "Y=1\nexport Z='2'\n", "-", 0},
		{"name with digits", "X1=1\nX=2\n", "2", 0},
		{"variable named export", "export=1\nX=2\n", "2", 0},
		{"space before =", "X =abc\n", "", 1},
		{"space after =", "X= abc\n", "", 1},
		{"words after value", "X=abc def\n", "", 1},
		{"expansion", "X=$HOME\n", "", 1},
		{"expansion in double quotes", `X="$HOME"`, "", 1},
		{"command substitution", "X=`id`\n", "", 1},
		{"unterminated single", "X='abc\n", "", 1},
		{"unterminated double", "# ok\nX=\"abc\n", "", 2},
		{"backslash at end", `X=abc\`, "", 1},
		{"not an assignment", "hello\n", "", 1},
		{"bad name", "1X=a\n", "", 1},
		{"semicolon comment", "; note\n", "", 1},
		{"operator", "X=a;b\n", "", 1},
		{"crlf", "X=abc\r\n", "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars, err := ParseEnv(strings.NewReader(tc.in))
			if tc.errLine > 0 {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Line != tc.errLine {
					t.Fatalf("err = %v, want a ParseError on line %d", err, tc.errLine)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, ok := vars["X"]
			if !ok {
				got = "-"
			}
			if got != tc.want {
				t.Errorf("X = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestParseEnvAgreesWithBash checks that what ParseEnv accepts means the
// same to bash.
func TestParseEnvAgreesWithBash(t *testing.T) {
	bash := testenv.Tool(t, "bash", "apt-get install bash")
	for _, in := range []string{
		"X=abc", "export X=abc", "X='a b'", `X="a\"b\\c\$"`, `X=a'b'"c"`, "X=abc # note", "  X=abc",
		"X=a\nX=b", "X=", `X="a'b"`, `X='a"b'`, `X=a\ b`,
	} {
		vars, err := ParseEnv(strings.NewReader(in))
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		f := filepath.Join(t.TempDir(), "env")
		if err := os.WriteFile(f, []byte(in+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bash, "-c", `set -e; . "$1"; printf %s "$X"`, "bash", f).Output()
		if err != nil {
			t.Errorf("%q: bash: %v", in, err)
			continue
		}
		if string(out) != vars["X"] {
			t.Errorf("%q: bash says %q, ParseEnv %q", in, out, vars["X"])
		}
	}
}

func TestParseErrorNeverQuotesTheLine(t *testing.T) {
	_, err := ParseEnv(strings.NewReader("CLAUDE_CODE_OAUTH_TOKEN=" + testToken + " oops\n"))
	if err == nil || strings.Contains(err.Error(), "TESTtokenVALUE") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParseEnv(f *testing.F) {
	for _, s := range []string{"X=abc\n", "export X='a'\n", `X="a\"b"`, "# c\nX=a # d\n", "X=$Y", "X='a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		vars, err := ParseEnv(strings.NewReader(in))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("error %v is not a ParseError with a line", err)
			}
			return
		}
		for name, v := range vars {
			if !validName(name) {
				t.Fatalf("invalid name %q accepted", name)
			}
			if strings.ContainsAny(v, "\n") {
				t.Fatalf("value of %s spans lines", name)
			}
		}
	})
}
