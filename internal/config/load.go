package config

import (
	"cmp"
	"errors"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/claude-launch/claude-launch/pkg/token"
)

// Input is what Load reads.
type Input struct {
	Environ        []string          // as received; a name given twice means its first value, as getenv says
	Flags          map[string]string // a flag's name ("vault-timeout") to its value; they win, and a bad one is a usage error
	NoFile, Launch bool              // skip the config file; load only the settings claude-launch reads (Setting.Launch), the others staying zero
	Origins        map[string]Origin // if not nil, gets where each setting's value came from
}

// MayBeSecret says whether a value could be a pasted credential, never to be echoed: a word of it holds a token's
// marker (sk-ant-, hvs., hvb., hvr.), looks like a legacy Vault token (s. or b. and 24+ token characters), or is a
// long run of token characters. What people type into settings (2s, ~/path, host:8200) is short or has a separator.
func MayBeSecret(v string) bool {
	for _, w := range strings.Fields(v) {
		if strings.Contains(w, "sk-ant-") || strings.Contains(w, "hvs.") || strings.Contains(w, "hvb.") || strings.Contains(w, "hvr.") ||
			(strings.HasPrefix(w, "s.") || strings.HasPrefix(w, "b.")) && len(w) >= 26 && only(w[2:], "-_") ||
			len(w) >= 24 && only(w, "-_") && strings.Trim(w, "0123456789") != "" {
			return true
		}
	}
	return false
}

// only says w is ASCII letters, digits and characters of extra alone; only(w, "-_"): what tokens are made of, and no path or size.
func only(w, extra string) bool {
	return !strings.ContainsFunc(w, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(extra, c))
	})
}

// Problem is one setting that could not be used as given: where, why, what instead; the value unless MayBeSecret.
type Problem struct {
	Name, Value   string // the variable or, for a flag, "--flag"; the value refused
	Where         string // "" for the environment or a flag, else "config file PATH line N" or "config file PATH"
	Reason, Using string // what is wrong; what applies instead ("2s"), "" for a flag, which stops
	Flag          bool   // a bad flag: a usage error
	line          int    // in the config file, for the order of the messages
}

func (p Problem) Error() string {
	s := p.Reason
	switch {
	case MayBeSecret(p.Value):
		s = p.Name + " (its value is not shown: it could be a credential) " + s
	case p.Value != "" || p.Flag:
		s = p.Name + "=" + strconv.Quote(p.Value) + " " + s
	case p.Name != "":
		s = p.Name + " " + s
	}
	if p.Where != "" {
		s = p.Where + ": " + s
	}
	if p.Using != "" {
		s += "; using " + p.Using
	}
	if strings.HasPrefix(p.Where, "config file") && MayBeSecret(p.Value) {
		s += "; if it is a credential, remove it from the file and make a new one: others may have read it"
	}
	return s
}

// Load reads every setting: from a flag, else the environment, else the config file, else its default; an empty value is unset, as for
// ${VAR:-default}. Load never fails: a bad value from the environment or the file keeps the default and is reported once, a bad flag with Flag set.
func Load(in Input) (c Config, problems []Problem) {
	getenv := Getenv(in.Environ)
	var file map[string]token.Assignment
	cfgSetting := Lookup(EnvConfig)
	problems = apply(&c, cfgSetting, in, nil, getenv, problems) // the config file's own path: from a flag or the environment
	if !in.NoFile && c.File != "" {
		n := len(problems)
		file, problems = readFile(c.File, problems)
		// One that a flag or the environment names must exist (the default may be absent).
		reason := "does not exist, so none of its settings apply: create it, or "
		switch {
		case file != nil || len(problems) > n:
		case in.Flags[cfgSetting.Flag] != "":
			problems = append(problems, Problem{Name: "--" + cfgSetting.Flag, Value: c.File, Reason: reason + "leave the flag out", Flag: true})
		case getenv(EnvConfig) != "":
			problems = append(problems, Problem{Name: EnvConfig, Value: c.File, Reason: reason + "unset " + EnvConfig})
		}
	}
	if file == nil {
		c.File = ""
	}
	for _, s := range Settings {
		if s != cfgSetting && (s.Launch || !in.Launch) {
			problems = apply(&c, s, in, file, getenv, problems)
		}
	}
	// A variable with this project's prefixes may be a slip of a setting's name (..._VALT_MOUNT).
	for _, kv := range in.Environ {
		name, value, _ := strings.Cut(kv, "=")
		if value == "" || !strings.HasPrefix(name, "CLAUDE_LAUNCH_") && !strings.HasPrefix(name, "T3_SERVE_LAUNCH_") || Lookup(name) != nil {
			continue
		}
		if s := suggest(name); s != "" {
			problems = append(problems, Problem{Name: name, Reason: "is not a setting" + s + "; ignored"})
		}
	}
	// The config file's, in line order after the others.
	slices.SortStableFunc(problems, func(a, b Problem) int { return a.line - b.line })
	return c, problems
}

// apply sets s from the first source that has a non-empty value.
func apply(c *Config, s *Setting, in Input, file map[string]token.Assignment, getenv env, problems []Problem) []Problem {
	if v := in.Flags[s.Flag]; s.Flag != "" && v != "" {
		if err := s.set(c, v, getenv); err != nil {
			return append(problems, Problem{Name: "--" + s.Flag, Value: v, Reason: err.Error(), Flag: true})
		}
		in.origin(s, "flag --"+s.Flag, v)
		return problems
	}
	v, where, line := getenv(s.Name), "", 0
	if fv, ok := file[s.Name]; v == "" && ok && !s.NotInFile {
		v, where, line = fv.Value, "config file "+c.File+" line "+strconv.Itoa(fv.Line), fv.Line
	}
	using := cmp.Or(s.DefaultHelp, s.Default)
	// set leaves the value to use in c, a fallback included.
	err := s.set(c, v, getenv)
	switch src := cmp.Or(where, "environment"); {
	case v == "":
		in.origin(s, "default", using)
	case err == nil:
		in.origin(s, src, v)
	default:
		var bv *badValue
		if errors.As(err, &bv) && bv.using != "" {
			using = bv.using
		}
		in.origin(s, "default ("+src+" refused)", using)
		return append(problems, Problem{Name: s.Name, Value: v, Where: where, Reason: err.Error(), Using: using, line: line})
	}
	return problems
}

func (in Input) origin(s *Setting, source, value string) {
	if in.Origins != nil {
		in.Origins[s.Name] = Origin{source, value}
	}
}

// Origin is where a setting's value came from ("flag --x", "environment", "config file PATH line N", "default"), and it.
type Origin struct{ Source, Value string }

// readFile reads the config file by name; a missing one is no problem, an unsafe one (or its directory) is ignored.
func readFile(path string, problems []Problem) (map[string]token.Assignment, []Problem) {
	data, err := token.ReadSmallFile(path, "config file", token.Trusted, " or fix it")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, problems
	}
	if err = cmp.Or(err, token.CheckDirOf(path, "config file")); err != nil {
		return nil, append(problems, Problem{Reason: err.Error() + "; its settings are ignored"})
	}
	as, bad := token.ParseAssignments(data)
	where := "config file " + path + " line "
	for _, e := range bad {
		problems = append(problems, Problem{Where: where + strconv.Itoa(e.Line), Reason: e.Reason + "; that line is ignored", line: e.Line})
	}
	vals := make(map[string]token.Assignment, len(as))
	for _, a := range as {
		var reason string
		switch s := Lookup(a.Name); {
		case a.Name == "VAULT_TOKEN" || a.Name == token.EnvVar: // secrets: the config file need not be private
			reason = "is a secret, and the config file is not a place for one; ignored " +
				"(the Vault token belongs in ~/.vault-token, written by `vault login`)"
		case s == nil:
			reason = "is not a setting" + suggest(a.Name) + "; ignored"
		case s.NotInFile:
			reason = "cannot be set in the config file; ignored"
		default:
			vals[a.Name] = a
			continue
		}
		problems = append(problems, Problem{Where: where + strconv.Itoa(a.Line), Name: a.Name, Reason: reason, line: a.Line})
	}
	return vals, problems
}

// suggest names the setting name is most likely a slip of, if any is within two edits.
func suggest(name string) string {
	hint, best := "", 3 // a slip is one or two edits
	for _, s := range Settings {
		if d := distance(name, s.Name); d < best {
			hint, best = " (did you mean "+s.Name+"?)", d
		}
	}
	return hint
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cur[j] = min(prev[j], cur[j-1], prev[j-1]) + 1
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] // a match costs nothing, and neighbouring cells differ by one at most
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Getenv looks name up in environ as getenv(3) does: the first value.
func Getenv(environ []string) func(string) string {
	return func(name string) string {
		v, _ := LookupEnv(environ, name)
		return v
	}
}

// LookupEnv returns the first value of name in environ.
func LookupEnv(environ []string, name string) (string, bool) {
	for _, kv := range environ {
		if len(kv) > len(name) && kv[len(name)] == '=' && kv[:len(name)] == name {
			return kv[len(name)+1:], true
		}
	}
	return "", false
}
