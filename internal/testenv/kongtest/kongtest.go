// Package kongtest checks, for tests, that a program's kong flags are
// derived from package config's table (package cli) and read no value
// another way.
package kongtest

import (
	"github.com/alecthomas/kong"
	"github.com/claude-launch/claude-launch/internal/config"
)

// Underived lists the flags of the kong application app, and of each of
// its commands, that name a setting but do not take their help and
// placeholder from package config's table, or that bind a default or a
// variable of kong's own (which would read a value another way). The
// tests of every program with flags call it.
func Underived(app *kong.Application) []string {
	var bad []string
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, f := range n.Flags {
			s := config.LookupFlag(f.Name)
			if s == nil {
				continue
			}
			if f.Help != s.FlagHelp() || !f.IsBool() && f.PlaceHolder != s.Placeholder || f.HasDefault || len(f.Envs) > 0 {
				bad = append(bad, "--"+f.Name)
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(app.Node)
	return bad
}
