package launch

import (
	"strconv"
	"strings"

	"github.com/claude-launch/claude-launch/pkg/token"
)

// MaxDepth is how many launchers may stand in one chain of processes. A
// claude that starts claude (an agent's shell running claude -p) adds one;
// a loop of launchers execing each other adds one per hop and stops here.
const MaxDepth = 8

// Depth reads the recursion marker from environ; a missing or malformed
// one is 0.
func Depth(environ []string) int {
	v, _ := Lookup(environ, token.EnvDepth)
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// ChildEnv is the child's environment: environ exactly as received, in
// order, with the recursion marker set to depth and, when tok is set,
// exactly one CLAUDE_CODE_OAUTH_TOKEN holding it (appended last). With a
// zero tok nothing else changes.
func ChildEnv(environ []string, tok token.Secret, depth int) []string {
	env := make([]string, 0, len(environ)+2)
	for _, kv := range environ {
		if strings.HasPrefix(kv, token.EnvDepth+"=") || !tok.IsZero() && strings.HasPrefix(kv, token.EnvVar+"=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, token.EnvDepth+"="+strconv.Itoa(depth))
	if !tok.IsZero() {
		env = append(env, token.EnvVar+"="+tok.Reveal())
	}
	return env
}

// Lookup returns the value of name in environ as getenv would: the first
// one, should the name appear twice.
func Lookup(environ []string, name string) (string, bool) {
	for _, kv := range environ {
		if v, ok := cutVar(kv, name); ok {
			return v, true
		}
	}
	return "", false
}

// Overriding lists the set variables that Claude Code prefers to
// CLAUDE_CODE_OAUTH_TOKEN (its documented precedence), so that a launcher
// can warn that the setup token will not be used.
func Overriding(environ []string) []string {
	var out []string
	for _, name := range []string{"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"} {
		if v, _ := Lookup(environ, name); v != "" {
			out = append(out, name)
		}
	}
	return out
}

// Setenv returns a copy of environ in which name has exactly one value.
func Setenv(environ []string, name, value string) []string {
	env := make([]string, 0, len(environ)+1)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, name+"=") {
			env = append(env, kv)
		}
	}
	return append(env, name+"="+value)
}

// cutVar returns the value of kv when it assigns name, without allocating
// name+"=" on every look-up.
func cutVar(kv, name string) (string, bool) {
	if len(kv) > len(name) && kv[len(name)] == '=' && kv[:len(name)] == name {
		return kv[len(name)+1:], true
	}
	return "", false
}
