package launch

import (
	"io"
	"strconv"
	"strings"

	"github.com/claude-launch/claude-launch/internal/config"
)

// Logger writes one-line diagnostics to stderr in charmbracelet/log's text
// format without timestamps ("WARN claude-launch: message key=value"),
// without that library's start-up cost, nor fmt's. Values print through
// their String or Error method, so a token.Secret prints redacted.
type Logger struct {
	w      io.Writer
	prefix string
	level  config.Level
}

// NewLogger returns a Logger writing to w at level and above.
func NewLogger(w io.Writer, prefix string, level config.Level) *Logger {
	return &Logger{w: w, prefix: prefix, level: level}
}

// Enabled reports whether lv is logged. Guard a Debug line with it when its
// arguments cost something to compute: they are evaluated even when the
// line is not printed, on every launch.
func (l *Logger) Enabled(lv config.Level) bool { return lv >= l.level }

// Debug logs at debug level.
func (l *Logger) Debug(msg string, kv ...any) { l.log(config.LevelDebug, "DEBU", msg, kv) }

// Warn logs at warn level.
func (l *Logger) Warn(msg string, kv ...any) { l.log(config.LevelWarn, "WARN", msg, kv) }

// Error logs at error level.
func (l *Logger) Error(msg string, kv ...any) { l.log(config.LevelError, "ERRO", msg, kv) }

func (l *Logger) log(lv config.Level, tag, msg string, kv []any) {
	if lv < l.level {
		return
	}
	var b strings.Builder
	b.WriteString(tag)
	b.WriteByte(' ')
	b.WriteString(l.prefix)
	b.WriteString(": ")
	b.WriteString(msg)
	for i := 0; i+1 < len(kv); i += 2 {
		b.WriteByte(' ')
		b.WriteString(text(kv[i]))
		b.WriteByte('=')
		b.WriteString(quote(text(kv[i+1])))
	}
	b.WriteByte('\n')
	_, _ = io.WriteString(l.w, b.String())
}

// text renders a logged value: strings, errors, Stringers (token.Secret
// among them, redacted) and integers.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case error:
		return v.Error()
	case interface{ String() string }:
		return v.String()
	case int:
		return strconv.Itoa(v)
	}
	return "?"
}

// quote quotes a value as logfmt does: only when it has blanks, quotes,
// an equals sign or unprintable characters.
func quote(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if r <= ' ' || r == '"' || r == '=' || r == 0x7f || !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}
