package cli

import (
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/config"
)

type testCLI struct {
	Base
	Run struct{} `cmd:""`
}

// TestFlagsFromTheTable: a program's flags are its settings' (Setting.Of),
// each with the table's help and placeholder, and shared flags come after
// a command's own.
func TestFlagsFromTheTable(t *testing.T) {
	for _, prog := range []config.Prog{config.ForSync, config.ForT3} {
		var c testCLI
		k := New(&c, prog, "x", "")
		got := map[string]bool{}
		for _, f := range k.Model.Flags {
			if f.Group == nil || f.Group.Key != "shared" {
				t.Errorf("--%s is not in the shared flags", f.Name)
			}
			if s := config.LookupFlag(f.Name); s != nil {
				got[f.Name] = true
				if f.Help != s.FlagHelp() || !f.IsBool() && f.PlaceHolder != s.Placeholder {
					t.Errorf("--%s: help %q placeholder %q, want the table's", f.Name, f.Help, f.PlaceHolder)
				}
			}
		}
		for _, s := range config.Settings {
			if got[s.Flag] != (s.Of&prog != 0) {
				t.Errorf("program %d: --%s present %v, want %v", prog, s.Flag, got[s.Flag], s.Of&prog != 0)
			}
		}
	}
}

func TestParse(t *testing.T) {
	t.Setenv(config.EnvVaultTimeout, "soon")
	t.Setenv("HOME", t.TempDir())
	var c testCLI
	_, cfg, problems, ok := Parse(&c, config.ForSync, "x", "", []string{"run", "--vault-mount=kv", "--log-level=DEBUG"})
	if !ok || cfg.VaultMount != "kv" || cfg.LogLevel != config.LevelDebug || cfg.VaultTimeout != config.DefaultVaultTimeout {
		t.Fatalf("Parse = %+v %v", cfg, ok)
	}
	if len(problems) != 1 || !strings.HasPrefix(problems[0].Error(), `CLAUDE_LAUNCH_VAULT_TIMEOUT="soon"`) {
		t.Errorf("problems = %v, want the environment's bad value as a warning", problems)
	}
	var d testCLI
	if _, _, _, ok := Parse(&d, config.ForSync, "x", "", []string{"run", "--vault-timeout=soon"}); ok {
		t.Error("a bad flag value is not a usage error")
	}
}
