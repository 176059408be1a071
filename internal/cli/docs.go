package cli

import (
	"bytes"
	_ "embed"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"github.com/alecthomas/kong"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/version"
)

//go:embed docs.tmpl
var docsText string

// WriteDocs writes app's man page and its bash, zsh and fish completions under dir (a share/ tree),
// and claude-launch's man page, from the kong model and the settings table through docs.tmpl.
func WriteDocs(dir string, app *kong.Application) error {
	t, err := template.New("").Funcs(template.FuncMap{"roff": roff, "short": short, "upper": strings.ToUpper, "trim": strings.TrimSpace,
		"file": func(f *kong.Flag) bool { return slices.Contains([]string{"PATH", "DIR"}, f.FormatPlaceHolder()) },
		"visible": func(flags []*kong.Flag) []*kong.Flag {
			return slices.DeleteFunc(slices.Clone(flags), func(f *kong.Flag) bool { return f.Hidden })
		}}).Parse(docsText)
	if err != nil {
		return err
	}
	n := app.Name
	d := map[string]any{"App": app, "Func": "_" + strings.ReplaceAll(n, "-", "_"), "Version": version.String(), "Settings": config.Settings}
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
