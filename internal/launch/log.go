package launch

import (
	"io"
	"strconv"
	"strings"

	"github.com/claude-launch/claude-launch/internal/config"
)

// Logger writes lines like charmbracelet/log's ("WARN claude-launch: msg key=value")
// without its or fmt's start-up cost; a token.Secret prints redacted.
type Logger struct {
	w      io.Writer
	prefix string
	level  config.Level
}

// NewLogger returns a Logger writing to w at level and above.
func NewLogger(w io.Writer, prefix string, level config.Level) *Logger {
	return &Logger{w: w, prefix: prefix, level: level}
}

// Enabled reports whether lv is logged: guard a Debug line whose arguments cost something.
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
	line := tag + " " + l.prefix + ": " + msg
	for i := 0; i+1 < len(kv); i += 2 {
		line += " " + text(kv[i]) + "=" + quote(text(kv[i+1]))
	}
	_, _ = io.WriteString(l.w, line+"\n")
}

// text renders a logged value: strings, errors, Stringers (token.Secret among them, redacted) and integers.
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

// quote quotes a value as logfmt does: only when it is empty or has blanks, quotes, an equals sign or unprintable characters.
func quote(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r == ' ' || r == '"' || r == '=' || !strconv.IsPrint(r) }) {
		return strconv.Quote(s)
	}
	return s
}
