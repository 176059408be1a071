package config

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/claude-launch/claude-launch/pkg/cgroup/memsize"
)

// badValue is why a value was refused, and what is used instead when that is not the setting's default.
type badValue struct{ why, using string }

func (b *badValue) Error() string { return b.why }
func bad(why string) error        { return &badValue{why: why} }

// or sets dst to parse(v), or to def when v is "" or refused. Its callers pass constants and top-level functions: the table stays static data.
func or[T any](dst *T, v string, def T, parse func(string) (T, error)) error {
	*dst = def
	if v == "" {
		return nil
	}
	x, err := parse(v)
	if err == nil {
		*dst = x
	}
	return err
}

func absPath(v string) (string, error) {
	if !filepath.IsAbs(v) {
		return "", bad("is not an absolute path (~ and $HOME are not expanded here)")
	}
	return filepath.Clean(v), nil
}

// pathOr reads an absolute path into dst; "" or a refused value gives def(getenv).
func pathOr(dst *string, v string, def func(env) string, getenv env) error {
	err := or(dst, v, "", absPath)
	if *dst == "" {
		*dst = def(getenv)
	}
	return err
}

// plainWord refuses blanks, control characters and quotes: in a Vault name, a paste accident.
func plainWord(v string) (string, error) {
	if strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '"' || r == '\'' || r == '\\' }) {
		return "", bad("holds a blank, a quote or a control character")
	}
	return v, nil
}

// vaultName checks a mount or secret path: no blank, "." or ".." segment; slashes trimmed; only a path has {user}.
func vaultName(v string, path bool) (string, error) {
	t := strings.Trim(v, "/")
	rest := strings.ReplaceAll(t, "{user}", "")
	switch _, err := plainWord(v); {
	case err != nil:
		return "", err
	case t == "":
		return "", bad("is only slashes")
	case slices.ContainsFunc(strings.Split(t, "/"), func(seg string) bool { return seg == "" || seg == "." || seg == ".." }):
		return "", bad("has an empty, . or .. segment")
	case path && strings.ContainsAny(rest, "{}"):
		return "", bad("has a placeholder other than {user}")
	case strings.ContainsAny(rest, "{}"):
		return "", bad("has a { or }")
	case !path && rest != t:
		return "", bad("uses {user}, which only the path may")
	}
	return t, nil
}

// switchOn reads 1 or 0 (true, yes, on; false, no, off), false for ""; anything else is refused, dst ifBad (using).
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

// program reads an absolute path or a name to look up in PATH, "" for the PATH search, which (using) replaces a relative path, refused with why.
func program(dst *string, v, why, using string) error {
	*dst = ""
	if !filepath.IsAbs(v) && strings.Contains(v, "/") {
		return &badValue{why, using}
	}
	*dst = v
	return nil
}

func integer(dst *int, v string, def, lo, hi int) error {
	return or(dst, v, def, func(v string) (int, error) {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return 0, bad("is not a whole number from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi))
		}
		return n, nil
	})
}

func duration(dst *time.Duration, v string, def, max time.Duration) error {
	return or(dst, v, def, func(v string) (time.Duration, error) {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > max {
			return 0, bad("is not a positive duration up to " + FormatDuration(max) + ", such as 2s or 10m")
		}
		return d, nil
	})
}

func size(dst *uint64, v string, def uint64) error { return or(dst, v, def, memsize.Parse) }

// unitName accepts what systemd accepts in a unit name: ASCII letters, digits and ":-_.\" (".scope" optional).
func unitName(v string) (string, error) {
	if len(v) > 240 {
		return "", bad("is longer than a unit name may be")
	}
	if !only(v, ":-_.\\") {
		return "", bad("has a character systemd does not allow in a unit name")
	}
	return v, nil
}

// FormatDuration prints a duration without time.Duration's trailing zero units: 10m, not 10m0s.
func FormatDuration(d time.Duration) string {
	return strings.NewReplacer("h0m0s", "h", "m0s", "m").Replace(d.String())
}

// Level is a log level; the names match charmbracelet/log's, which the other two programs use.
type Level int

// Levels, least severe first.
const (
	LevelDebug Level = iota
	LevelInfo
	LevelWarn
	LevelError
)

// parseLevel parses debug, info, warn (or warning) and error, in any case.
func parseLevel(s string) (Level, error) {
	s = strings.ToLower(s)
	for l, n := range []string{"debug", "info", "warn", "error"} {
		if s == n || s == "warning" && l == int(LevelWarn) {
			return Level(l), nil
		}
	}
	return LevelWarn, bad("is not debug, info, warn or error")
}
