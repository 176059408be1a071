// Package cli is what claude-auth-sync and t3-serve-launch share around
// kong: the flags of the settings, derived from package config's table
// (their help, placeholders and defaults come from it; their values go
// through its one parser), the version flag, and the logger. claude-launch
// reads the same settings through package config alone and links neither
// kong nor the logger.
package cli

import (
	"os"
	"reflect"
	"strings"

	"github.com/alecthomas/kong"
	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/version"
	"github.com/muesli/termenv"
	"golang.org/x/term"
)

// Token are the flags of the token settings; embed it in a CLI. Values are
// plain strings with no default: Parse reads them with package config,
// after a flag, from the environment and the config file.
type Token struct {
	Config       string `name:"config" help:"${help_config}" placeholder:"${placeholder_config}"`
	EnvFile      string `name:"env-file" help:"${help_env_file}" placeholder:"${placeholder_env_file}"`
	VaultMount   string `name:"vault-mount" help:"${help_vault_mount}" placeholder:"${placeholder_vault_mount}"`
	VaultPath    string `name:"vault-path" help:"${help_vault_path}" placeholder:"${placeholder_vault_path}"`
	VaultField   string `name:"vault-field" help:"${help_vault_field}" placeholder:"${placeholder_vault_field}"`
	VaultTimeout string `name:"vault-timeout" help:"${help_vault_timeout}" placeholder:"${placeholder_vault_timeout}"`
	NegativeTTL  string `name:"negative-ttl" help:"${help_negative_ttl}" placeholder:"${placeholder_negative_ttl}"`
	LogLevel     string `name:"log-level" help:"${help_log_level}" placeholder:"${placeholder_log_level}"`

	Version kong.VersionFlag `name:"version" help:"Print the version and exit."`
}

// Vars are the help texts and placeholders of every setting's flag, from
// the table, and the version.
func Vars() kong.Vars {
	v := kong.Vars{"version": version.String()}
	for _, s := range config.Settings {
		if s.Flag == "" {
			continue
		}
		key := strings.ReplaceAll(s.Flag, "-", "_")
		v["help_"+key] = s.FlagHelp()
		v["placeholder_"+key] = s.Placeholder
	}
	return v
}

// Parse parses args into cli, a kong CLI embedding Token, then reads every
// setting: flags first, then the environment, then the config file. A
// command line that does not parse, or a bad flag value, is printed as a
// usage error and ok is false: exit with launch.ExitUsage. Problems of the
// environment and the config file come back for the caller to log, once.
func Parse(cli any, name, description string, args []string, opts ...kong.Option) (kctx *kong.Context, cfg config.Config, problems []config.Problem, ok bool) {
	opts = append([]kong.Option{kong.Name(name), kong.Description(description), kong.UsageOnError(), Vars()}, opts...)
	parser, err := kong.New(cli, opts...)
	if err != nil {
		panic(err) // the CLI struct itself is wrong: a programming error
	}
	kctx, err = parser.Parse(args)
	if err != nil {
		parser.Errorf("%s", redactArgs(err.Error(), args))
		return nil, cfg, nil, false
	}
	cfg, problems = config.Load(config.Input{Environ: os.Environ(), Flags: FlagValues(kctx)})
	var rest []config.Problem
	for _, p := range problems {
		if p.Flag {
			parser.Errorf("%s", p.Error())
			return nil, cfg, nil, false
		}
		rest = append(rest, p)
	}
	return kctx, cfg, rest, true
}

// FlagValues are the flags of settings given on the command line, as
// config.Input.Flags wants them.
func FlagValues(kctx *kong.Context) map[string]string {
	out := map[string]string{}
	for _, f := range kctx.Flags() {
		if config.LookupFlag(f.Name) == nil || !f.Target.IsValid() {
			continue
		}
		switch f.Target.Kind() {
		case reflect.String:
			out[f.Name] = f.Target.String()
		case reflect.Bool:
			if f.Target.Bool() {
				out[f.Name] = "1"
			}
		}
	}
	return out
}

// NewLogger logs to stderr (stdout belongs to results or to the program
// exec'd next) with prefix and without timestamps, like claude-launch's own
// lines: a person at a terminal does not need them, and journald adds its
// own to the timer's. It never queries the terminal (see Colour).
func NewLogger(prefix string, level config.Level) *log.Logger {
	lv := map[config.Level]log.Level{config.LevelDebug: log.DebugLevel, config.LevelInfo: log.InfoLevel,
		config.LevelWarn: log.WarnLevel, config.LevelError: log.ErrorLevel}[level]
	// Not the *os.File itself: on a terminal, termenv would ask it for its
	// colours and cursor and wait up to 10 s for answers nobody sends.
	l := log.NewWithOptions(stderr{}, log.Options{Prefix: prefix, Level: lv})
	l.SetColorProfile(termenv.Ascii)
	if Colour(os.Stderr, os.Getenv) {
		l.SetColorProfile(termenv.ANSI256)
	}
	return l
}

// stderr writes to os.Stderr, which it hides from termenv's terminal checks.
type stderr struct{}

func (stderr) Write(p []byte) (int, error) { return os.Stderr.Write(p) }

// Colour reports whether diagnostics on f may be coloured: f is a terminal,
// NO_COLOR is unset or empty, and TERM is not dumb (no-color.org; gh and
// systemd follow the same rule).
func Colour(f *os.File, getenv func(string) string) bool {
	return term.IsTerminal(int(f.Fd())) && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// Warn logs each problem of the settings once.
func Warn(logger *log.Logger, problems []config.Problem) {
	for _, p := range problems {
		logger.Warn(p.Error())
	}
}

// redactArgs takes out of a parser's message every argument, or flag
// value, that may be a credential (config.MayBeSecret): kong quotes the
// argument it could not place.
func redactArgs(msg string, args []string) string {
	for _, a := range args {
		if _, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") {
			a = v
		}
		if a != "" && config.MayBeSecret(a) {
			msg = strings.ReplaceAll(msg, a, "[REDACTED]")
		}
	}
	return msg
}
