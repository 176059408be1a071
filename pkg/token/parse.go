package token

import (
	"io"
	"strconv"
	"strings"
)

// ParseError is a syntax error in an env file: its line, never its content.
type ParseError struct {
	Line   int
	Reason string
}

func (e *ParseError) Error() string { return "line " + strconv.Itoa(e.Line) + ": " + e.Reason }

// maxLine bounds one line of an env file; a setup token is about 110 bytes.
const maxLine = 64 << 10

// ParseEnv reads assignments in the syntax that bash `.` and systemd's EnvironmentFile= read alike (# comments,
// `export `, NAME=value in bare and quoted parts); anything else is an error, not a guess. The last one wins.
func ParseEnv(r io.Reader) (map[string]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSmallFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSmallFile {
		return nil, &ParseError{Line: 1 + strings.Count(string(data), "\n"), Reason: "the file is larger than 1 MiB"}
	}
	vars := make(map[string]string)
	if parseLines(string(data), func(a Assignment) { vars[a.Name] = a.Value }, firstBad(&err)); err != nil {
		return nil, err
	}
	return vars, nil
}

// lookupEnv returns the value data gives name (the last assignment wins), without ParseEnv's map: for the per-launch path.
func lookupEnv(data, name string) (value string, found bool, err error) {
	parseLines(data, func(a Assignment) {
		if a.Name == name {
			value, found = a.Value, true
		}
	}, firstBad(&err))
	return value, found, err
}

// firstBad is a bad-line handler that sets *err to the first bad line and stops.
func firstBad(err *error) func(*ParseError) bool {
	return func(e *ParseError) bool { *err = e; return false }
}

// Assignment is one NAME=value line.
type Assignment struct {
	Line        int
	Name, Value string
}

// ParseAssignments parses every line of data: each good line's assignment, each bad one's error.
func ParseAssignments(data string) (as []Assignment, bad []*ParseError) {
	parseLines(data, func(a Assignment) { as = append(as, a) }, func(e *ParseError) bool { bad = append(bad, e); return true })
	return as, bad
}

// parseLines hands each assignment of data to good and each bad line to bad, in order, until bad returns false.
func parseLines(data string, good func(Assignment), bad func(*ParseError) bool) {
	for n := 1; data != ""; n++ {
		line, rest, _ := strings.Cut(data, "\n")
		data = rest
		name, value, ok, reason := parseLine(line)
		if reason != "" && !bad(&ParseError{Line: n, Reason: reason}) {
			return
		}
		if ok {
			good(Assignment{Line: n, Name: name, Value: value})
		}
	}
}

// parseLine parses one line: ok for an assignment, reason (never quoting it) for an error.
func parseLine(line string) (name, value string, ok bool, reason string) {
	if len(line) > maxLine {
		return "", "", false, "line too long"
	}
	if strings.HasSuffix(line, "\r") {
		return "", "", false, "ends in a carriage return (Windows line endings): convert the file with dos2unix"
	}
	s := strings.TrimLeft(line, " \t")
	if s == "" || s[0] == '#' {
		return "", "", false, ""
	}
	if s[0] == ';' {
		return "", "", false, "a ';' comment is systemd-only and breaks bash: start comments with '#'"
	}
	if rest, found := strings.CutPrefix(s, "export"); found && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
		s = strings.TrimLeft(rest, " \t")
	}
	eq := strings.IndexByte(s, '=')
	if eq <= 0 {
		return "", "", false, "not a NAME=value assignment"
	}
	name = s[:eq]
	if !validName(name) {
		return "", "", false, "the variable name is not a valid shell name (no spaces around '=')"
	}
	value, reason = parseValue(s[eq+1:])
	return name, value, reason == "", reason
}

// parseValue reads a value up to the first unquoted blank, after which only a comment may follow.
func parseValue(s string) (value, reason string) {
	var b strings.Builder
	b.Grow(len(s)) // the value is at most the rest of the line: one allocation
	inDouble := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '$' || c == '`':
			return "", "expansions ($, `) are not supported: use single quotes"
		case c == '"':
			inDouble = !inDouble
			continue
		case inDouble && c == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0:
			i++
			c = s[i]
		case inDouble: // any other byte between double quotes is itself
		case c == ' ' || c == '\t':
			if rest := strings.TrimLeft(s[i:], " \t"); rest != "" && rest[0] != '#' {
				return "", "more words follow the value: quote the value or remove them"
			}
			return b.String(), ""
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return "", "unterminated single quote (values may not span lines)"
			}
			b.WriteString(s[i+1 : i+1+end])
			i += end + 1
			continue
		case c == '\\':
			if i+1 >= len(s) {
				return "", "a backslash ends the line (values may not span lines)"
			}
			i++
			c = s[i]
		case strings.IndexByte(";&|<>()", c) >= 0:
			return "", "shell operators are not supported in a value: quote it"
		}
		b.WriteByte(c)
	}
	if inDouble {
		return "", "unterminated double quote (values may not span lines)"
	}
	return b.String(), ""
}

func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}
