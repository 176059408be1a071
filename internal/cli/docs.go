package cli

import (
	"bytes"
	_ "embed"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/alecthomas/kong"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/version"
)

//go:embed docs.tmpl
var docsText string

// docFlag is what a man page or a completion says of a flag.
type docFlag struct {
	Name, Placeholder, Help string
	Bool, File              bool
}

// docCmd is what they say of a command.
type docCmd struct {
	Name, Help string
	Flags      []docFlag
}

func docFlags(flags []*kong.Flag) (out []docFlag) {
	for _, f := range flags {
		if ph := f.FormatPlaceHolder(); !f.Hidden {
			out = append(out, docFlag{f.Name, ph, f.Help, f.IsBool(), ph == "PATH" || ph == "DIR"})
		}
	}
	return out
}

// WriteDocs writes app's man page and its bash, zsh and fish completions
// under dir (a share/ tree), and claude-launch's man page, from the kong
// model and the settings table through docs.tmpl.
func WriteDocs(dir string, app *kong.Application) error {
	t, err := template.New("").Funcs(template.FuncMap{"roff": roff, "short": short, "upper": strings.ToUpper}).Parse(docsText)
	if err != nil {
		return err
	}
	n := app.Name
	d := map[string]any{"Name": n, "Func": "_" + strings.ReplaceAll(n, "-", "_"), "Help": app.Help, "Version": version.String(),
		"Summary": strings.TrimSpace(app.Summary()), "Flags": docFlags(app.Flags)}
	var cmds []docCmd
	all := docFlags(app.Flags)
	for _, c := range app.Children {
		if !c.Hidden {
			cmds = append(cmds, docCmd{c.Name, c.Help, docFlags(c.Flags)})
			all = append(all, docFlags(c.Flags)...)
		}
	}
	var env, launch []*config.Setting
	for _, s := range config.Settings {
		if s.Flag == "" {
			env = append(env, s)
		}
		if s.Launch {
			launch = append(launch, s)
		}
	}
	d["Cmds"], d["All"], d["Env"], d["Launch"] = cmds, all, env, launch
	for name, tmpl := range map[string]string{"man/man1/" + n + ".1": "man", "bash-completion/completions/" + n: "bash",
		"zsh/site-functions/_" + n: "zsh", "fish/vendor_completions.d/" + n + ".fish": "fish", "man/man1/claude-launch.1": "launch"} {
		var b bytes.Buffer
		p := filepath.Join(dir, name)
		if err := t.ExecuteTemplate(&b, tmpl, d); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
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
	if i := strings.Index(help, ". "); i > 0 {
		help = help[:i]
	}
	help = strings.ReplaceAll(strings.TrimSuffix(help, "."), ":", ",")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\'':
			return '’'
		case strings.ContainsRune("\"[]\\`$", r):
			return -1
		}
		return r
	}, help)
}
