package main

import (
	"io"
	"os"
	"text/tabwriter"

	"github.com/alecthomas/kong"
	"github.com/claude-launch/claude-launch/internal/cli"
	"github.com/claude-launch/claude-launch/internal/config"
)

// SettingsCmd shows the settings in effect, as `git config --show-origin`.
type SettingsCmd struct{}

// Run prints a line per setting: where its value came from, then NAME=value.
func (SettingsCmd) Run(kctx *kong.Context, stdout io.Writer) error {
	origins := map[string]config.Origin{}
	config.Load(config.Input{Environ: os.Environ(), Flags: cli.FlagValues(kctx), Origins: origins})
	w := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	for _, s := range config.Settings {
		o := origins[s.Name]
		if config.MayBeSecret(o.Value) {
			o.Value = "(not shown: it could be a credential)"
		}
		_, _ = io.WriteString(w, o.Source+"\t"+s.Name+"="+o.Value+"\n")
	}
	return w.Flush()
}
