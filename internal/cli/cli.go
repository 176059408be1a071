// Package cli is what claude-auth-sync and t3-serve-launch share around kong: the settings' flags,
// derived from package config's table and parsed by it, the version flag, and the logger.
package cli

import (
	"bytes"
	"cmp"
	_ "embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"text/template"

	"github.com/alecthomas/kong"
	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/version"
	"github.com/muesli/termenv"
	"golang.org/x/term"
)

// Base is what every CLI embeds; Parse adds the flags of the settings.
type Base struct {
	Version kong.VersionFlag `name:"version" help:"Print the version and exit."`
}

// shared holds the flags every command takes, listed after a command's own.
var shared = &kong.Group{Key: "shared", Title: "Shared flags (a setting's flag wins over its variable, which wins over the config file):"}

// New is the parser of cli, a kong CLI embedding Base, with a flag for each setting of prog, from the table.
func New(cli any, prog config.Prog, name, description string) *kong.Kong {
	addFlags := kong.PostBuild(func(k *kong.Kong) error {
		mappers := kong.NewRegistry().RegisterDefaults()
		for _, f := range k.Model.Flags {
			f.Group = shared
		}
		for _, s := range config.Settings {
			if s.Of&prog == 0 {
				continue
			}
			target := reflect.ValueOf(new(string)).Elem()
			if s.Placeholder == "1" { // a switch: a flag without a value
				target = reflect.ValueOf(new(bool)).Elem()
			}
			v := &kong.Value{Name: s.Flag, Help: s.FlagHelp(), OrigHelp: s.FlagHelp(), Tag: &kong.Tag{}, Target: target,
				DefaultValue: reflect.New(target.Type()).Elem(), Mapper: mappers.ForType(target.Type())}
			v.Flag = &kong.Flag{Value: v, PlaceHolder: s.Placeholder, Group: shared}
			k.Model.Flags = append(k.Model.Flags, v.Flag)
		}
		return nil
	})
	// kong.Must panics on an error, which only a wrong CLI struct gives: a programming error.
	return kong.Must(cli, kong.Name(name), kong.Description(description), kong.UsageOnError(), addFlags,
		kong.Vars{"version": version.String()}, kong.ConfigureHelp(kong.HelpOptions{FlagsLast: true, Compact: true}))
}

// Parse parses args with New, then reads every setting (config.Load). A usage error is printed and the last result is false
// (exit launch.ExitUsage); problems of the environment and the config file come back to log, once.
func Parse(cli any, prog config.Prog, name, description string, args []string) (*kong.Context, config.Config, []config.Problem, bool) {
	parser := New(cli, prog, name, description)
	if len(args) == 2 && args[0] == "--generate-docs" { // make build's: man pages and completions
		parser.FatalIfErrorf(writeDocs(args[1], parser.Model))
		parser.Exit(0)
	}
	if len(args) == 0 && len(parser.Model.Children) > 0 {
		args = []string{"--help"} // a bare command lists the commands
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		msg := redactArgs(err.Error(), args)
		if i := slices.Index(args, "-v"); i >= 0 && !slices.Contains(args[:i], "--") {
			msg = "-v is not a flag of " + name + ": --version prints the version, --log-level=debug says more"
		}
		parser.Errorf("%s", msg)
		return nil, config.Config{}, nil, false
	}
	cfg, problems := config.Load(config.Input{Environ: os.Environ(), Flags: FlagValues(kctx)})
	if i := slices.IndexFunc(problems, func(p config.Problem) bool { return p.Flag }); i >= 0 {
		parser.Errorf("%s", problems[i].Error())
		return nil, cfg, nil, false
	}
	return kctx, cfg, problems, true
}

// FlagValues are the flags of settings given on the command line, as config.Input.Flags wants them.
func FlagValues(kctx *kong.Context) map[string]string {
	out := map[string]string{}
	for _, f := range kctx.Flags() {
		if v := fmt.Sprint(f.Target.Interface()); config.LookupFlag(f.Name) != nil && v != "false" {
			out[f.Name] = v // a string, or true for a switch
		}
	}
	return out
}

// NewLogger logs to stderr (stdout is for results) with prefix, without timestamps, like claude-launch;
// in colour only on a terminal, with NO_COLOR empty and TERM not dumb (no-color.org).
func NewLogger(prefix string, level config.Level) *log.Logger {
	lv := map[config.Level]log.Level{config.LevelDebug: log.DebugLevel, config.LevelInfo: log.InfoLevel,
		config.LevelWarn: log.WarnLevel, config.LevelError: log.ErrorLevel}[level]
	// os.Stderr hidden from termenv, which would query the terminal and wait up to 10 s for answers nobody sends.
	l := log.NewWithOptions(struct{ io.Writer }{os.Stderr}, log.Options{Prefix: prefix, Level: lv})
	l.SetColorProfile(termenv.Ascii)
	if term.IsTerminal(int(os.Stderr.Fd())) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb" {
		l.SetColorProfile(termenv.ANSI256)
	}
	return l
}

// Warn logs each problem of the settings once.
func Warn(logger *log.Logger, problems []config.Problem) {
	for _, p := range problems {
		logger.Warn(p.Error())
	}
}

// redactArgs takes out of kong's message (which quotes what it could not place) every config.MayBeSecret argument.
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

//go:embed docs.tmpl
var docsText string

// writeDocs writes app's and claude-launch's man pages and app's completions under dir (a share/ tree), by docs.tmpl.
func writeDocs(dir string, app *kong.Application) error {
	t := template.Must(template.New("").Funcs(template.FuncMap{"roff": roff, "short": short, "upper": strings.ToUpper, "trim": strings.TrimSpace,
		"file": func(f *kong.Flag) bool { return slices.Contains([]string{"PATH", "DIR"}, f.FormatPlaceHolder()) },
		"visible": func(flags []*kong.Flag) []*kong.Flag {
			return slices.DeleteFunc(slices.Clone(flags), func(f *kong.Flag) bool { return f.Hidden })
		}}).Parse(docsText))
	n := app.Name
	d := map[string]any{"App": app, "Func": "_" + strings.ReplaceAll(n, "-", "_"), "Version": version.String(), "Settings": config.Settings}
	for name, tmpl := range map[string]string{"man/man1/" + n + ".1": "man", "bash-completion/completions/" + n: "bash",
		"zsh/site-functions/_" + n: "zsh", "fish/vendor_completions.d/" + n + ".fish": "fish", "man/man1/claude-launch.1": "launch"} {
		var b bytes.Buffer
		p := filepath.Join(dir, name)
		if err := t.ExecuteTemplate(&b, tmpl, d); err != nil {
			return err
		}
		if err := cmp.Or(os.MkdirAll(filepath.Dir(p), 0o755), os.WriteFile(p, b.Bytes(), 0o644)); err != nil {
			return err
		}
	}
	return nil
}

// roff escapes s as one line of man page text.
func roff(s string) string {
	s = strings.NewReplacer("\\", "\\e", "-", "\\-", "\n", " ", "/", "/\\:").Replace(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = "\\&" + s
	}
	return s
}

// short is the first sentence of help, without what a shell would read.
func short(help string) string {
	help, _, _ = strings.Cut(help, ". ")
	return strings.NewReplacer(":", ",", "'", "’", "\"", "", "[", "", "]", "", "\\", "", "`", "", "$", "").Replace(strings.TrimSuffix(help, "."))
}
