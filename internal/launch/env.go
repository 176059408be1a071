// Package launch holds what the launchers share: finding the real program, the child's environment, the recursion
// guard, the exec and the fetch on a miss. It links only the standard library and this module (docs/startup.md).
package launch

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// MaxDepth is how many launchers may stand in one chain of processes (claude in claude, loops).
const MaxDepth = 8

// Environ is the environment exactly as the kernel handed it over, duplicates too (os.Environ drops them, and stands in without /proc).
func Environ() []string {
	fd, err := syscall.Open("/proc/self/environ", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return os.Environ()
	}
	defer syscall.Close(fd)
	buf, n := make([]byte, 4<<10), 0
	for {
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return os.Environ()
		}
		n += m
		if m == 0 || n < len(buf) { // /proc answers with all that fits: a short read is the end
			break
		}
		buf = append(buf, make([]byte, len(buf))...)
	}
	if n == 0 {
		return nil
	}
	// buf is never written again: the strings may share it.
	s := strings.TrimSuffix(unsafe.String(&buf[0], n), "\x00")
	return strings.Split(s, "\x00")
}

// ChildEnv is environ with the recursion marker set to depth and, for a token, one CLAUDE_CODE_OAUTH_TOKEN holding it, last.
func ChildEnv(environ []string, tok token.Secret, depth int) []string {
	env := Setenv(environ, config.EnvDepth, strconv.Itoa(depth))
	if tok.IsZero() {
		return env
	}
	return Setenv(env, token.EnvVar, tok.Reveal())
}

// Overriding lists the variables set in environ that claude prefers to CLAUDE_CODE_OAUTH_TOKEN, which it then ignores.
func Overriding(environ []string) []string {
	var out []string
	for _, name := range []string{"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"} {
		if v, _ := config.LookupEnv(environ, name); v != "" {
			out = append(out, name)
		}
	}
	return out
}

// Setenv returns a copy of environ in which name has exactly one value, last.
func Setenv(environ []string, name, value string) []string {
	env := make([]string, 0, len(environ)+1)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, name) || len(kv) == len(name) || kv[len(name)] != '=' { // kv does not start with name+"="
			env = append(env, kv)
		}
	}
	return append(env, name+"="+value)
}
