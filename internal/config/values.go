package config

import (
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/claude-launch/claude-launch/pkg/cgroup/memsize"
)

// badValue is why a value was refused, said after the value, and, when
// it is not the setting's default, what is used instead.
type badValue struct{ why, using string }

func (b *badValue) Error() string { return b.why }

func bad(why string) error { return &badValue{why: why} }

// badUsing is bad, when the setting falls back to something other than its
// default.
func badUsing(why, using string) error { return &badValue{why: why, using: using} }

func absPath(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if !filepath.IsAbs(v) {
		return "", bad("is not an absolute path (~ and $HOME are not expanded here)")
	}
	return filepath.Clean(v), nil
}

func containsSlash(s string) bool { return strings.IndexByte(s, '/') >= 0 }

// plainWord refuses blanks, control characters and quotes: a Vault field
// or mount name that holds one is a paste accident.
func plainWord(v string) error {
	for _, r := range v {
		if r <= ' ' || r == 0x7f || r == '"' || r == '\'' || r == '\\' {
			return bad("holds a blank, a quote or a control character")
		}
	}
	return nil
}

// vaultName checks a mount or a secret path: no blanks, no "." or ".."
// segments, surrounding slashes dropped; a path may use {user} and no other
// placeholder.
func vaultName(v string, path bool) (string, error) {
	if err := plainWord(v); err != nil {
		return "", err
	}
	t := strings.Trim(v, "/")
	if t == "" {
		return "", bad("is only slashes")
	}
	for _, seg := range strings.Split(t, "/") {
		switch seg {
		case "", ".", "..":
			return "", bad("has an empty, . or .. segment")
		}
	}
	rest := strings.ReplaceAll(t, "{user}", "")
	if strings.ContainsAny(rest, "{}") {
		if path {
			return "", bad("has a placeholder other than {user}")
		}
		return "", bad("has a { or }")
	}
	if !path && strings.Contains(t, "{user}") {
		return "", bad("uses {user}, which only the path may")
	}
	return t, nil
}

// The readers below put a setting's value into its field, or its default
// when the value is "" or refused; they take only constants and top-level
// functions, so that the settings table stays static data.

// pathOr reads an absolute path into dst; "" or a refused value gives
// def(getenv).
func pathOr(dst *string, v string, def func(func(string) string) string, getenv func(string) string) error {
	p, err := absPath(v)
	if v == "" || err != nil {
		*dst = def(getenv)
		return err
	}
	*dst = p
	return nil
}

// switchOn reads 1 or 0 (true, yes, on; false, no, off) into dst, false
// for "". Anything else sets dst to ifBad and is refused; using says what
// that means when it is not the default.
func switchOn(dst *bool, v string, ifBad bool, using string) error {
	switch v {
	case "", "0", "false", "no", "off":
		*dst = false
	case "1", "true", "yes", "on":
		*dst = true
	default:
		*dst = ifBad
		return &badValue{why: "is not 1, true, yes or on, nor 0, false, no or off", using: using}
	}
	return nil
}

// program reads the real program to run into dst: an absolute path, or a
// name looked up in PATH; "" for the default PATH search. A relative path
// is refused with why, the PATH search (using) taking its place.
func program(dst *string, v, why, using string) error {
	*dst = ""
	if v == "" {
		return nil
	}
	if !filepath.IsAbs(v) && containsSlash(v) {
		return badUsing(why, using)
	}
	*dst = v
	return nil
}

// vaultNameOr reads a mount (path false) or a secret path into dst.
func vaultNameOr(dst *string, v, def string, path bool) error {
	*dst = def
	if v == "" {
		return nil
	}
	p, err := vaultName(v, path)
	if err == nil {
		*dst = p
	}
	return err
}

// integer reads a whole number from lo to hi into dst.
func integer(dst *int, v string, def, lo, hi int) error {
	*dst = def
	if v == "" {
		return nil
	}
	n, err := intIn(v, lo, hi)
	if err == nil {
		*dst = n
	}
	return err
}

func duration(dst *time.Duration, v string, def, max time.Duration) error {
	*dst = def
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 || d > max {
		return bad("is not a positive duration up to " + FormatDuration(max) + ", such as 2s or 10m")
	}
	*dst = d
	return nil
}

func size(dst *uint64, v string, def uint64) error {
	*dst = def
	if v == "" {
		return nil
	}
	n, err := memsize.Parse(v)
	if err != nil {
		return bad(err.Error())
	}
	*dst = n
	return nil
}

func intIn(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, bad("is not a whole number from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi))
	}
	return n, nil
}

// unitName accepts what systemd accepts in a unit name: ASCII letters,
// digits and ":-_.\", with ".scope" optional at the end.
func unitName(v string) error {
	if len(v) > 240 {
		return bad("is longer than a unit name may be")
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(":-_.\\", c) >= 0 {
			continue
		}
		return bad("has a character systemd does not allow in a unit name")
	}
	return nil
}

// FormatDuration prints a duration without time.Duration's trailing zero
// units: 10m, not 10m0s.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// Level is a log level; the names match charmbracelet/log's, which the
// other two programs use, so that all three read alike.
type Level int

// Levels, least severe first.
const (
	LevelDebug Level = iota
	LevelInfo
	LevelWarn
	LevelError
)

// ParseLevel parses debug, info, warn (or warning) and error, in any case.
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return LevelDebug, nil
	case "info":
		return LevelInfo, nil
	case "warn", "warning":
		return LevelWarn, nil
	case "error":
		return LevelError, nil
	}
	return DefaultLogLevel, bad("is not debug, info, warn or error")
}

func (l Level) String() string {
	switch l {
	case LevelDebug:
		return "debug"
	case LevelInfo:
		return "info"
	case LevelError:
		return "error"
	}
	return "warn"
}
