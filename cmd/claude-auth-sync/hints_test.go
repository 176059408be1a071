package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/cli"
	"github.com/claude-launch/claude-launch/internal/config"
)

// TestHintsNameWhatExists: a hint that names a command of claude-auth-sync
// names one it has, and one that names a file under scripts/ or docs/
// names one that exists. It reads every Go file, script, unit and document
// of the module.
func TestHintsNameWhatExists(t *testing.T) {
	var c CLI
	k := cli.New(&c, config.ForSync, "x", "")
	commands := map[string]bool{}
	for _, n := range k.Model.Children {
		commands[n.Name] = true
	}
	root := filepath.Join("..", "..")
	cmdRe := regexp.MustCompile("`claude-auth-sync ([a-z][a-z-]*)")
	pathRe := regexp.MustCompile(`\b((?:scripts|docs)/[A-Za-z0-9_@./*{},-]*[A-Za-z0-9_*}])`)
	checked := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "out") {
			return filepath.SkipDir
		}
		switch filepath.Ext(p) {
		case ".go", ".md", ".sh", ".service", ".timer", ".txtar", ".yml":
		default:
			if filepath.Base(p) != "Makefile" {
				return nil
			}
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range cmdRe.FindAllStringSubmatch(string(b), -1) {
			checked++
			if !commands[m[1]] {
				t.Errorf("%s names `claude-auth-sync %s`, which is no command of it", p, m[1])
			}
		}
		for _, m := range pathRe.FindAllStringSubmatch(string(b), -1) {
			ref := strings.TrimSuffix(m[1], ".")
			if strings.ContainsAny(ref, "*{") { // a pattern, not a file
				continue
			}
			checked++
			if _, err := os.Stat(filepath.Join(root, ref)); err != nil {
				t.Errorf("%s names %s, which does not exist", p, ref)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Errorf("only %d references checked: the walk missed the sources", checked)
	}
}
