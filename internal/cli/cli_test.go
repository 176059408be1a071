package cli

import (
	"github.com/claude-launch/claude-launch/internal/testenv/kongtest"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
	"github.com/claude-launch/claude-launch/internal/config"
)

type testCLI struct {
	Token
	Run struct{} `cmd:""`
}

// TestFlagsFromTheTable: each flag of Token is a setting's flag, with the
// table's help and placeholder, and no default or env binding of kong's
// own that could read a value another way.
func TestFlagsFromTheTable(t *testing.T) {
	var c testCLI
	k, err := kong.New(&c, Vars())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range k.Model.Flags {
		if f.Name == "help" || f.Name == "version" {
			continue
		}
		n++
		s := config.LookupFlag(f.Name)
		if s == nil {
			t.Errorf("--%s is not a setting of package config", f.Name)
			continue
		}
		if f.Help != s.FlagHelp() || f.PlaceHolder != s.Placeholder {
			t.Errorf("--%s: help %q placeholder %q, want the table's", f.Name, f.Help, f.PlaceHolder)
		}
		if f.HasDefault || len(f.Envs) > 0 {
			t.Errorf("--%s has a kong default or env binding", f.Name)
		}
	}
	if n == 0 {
		t.Fatal("no flags")
	}
	if bad := kongtest.Underived(k.Model); len(bad) > 0 {
		t.Errorf("flags not derived from the table: %v", bad)
	}
}

func TestParse(t *testing.T) {
	t.Setenv(config.EnvVaultTimeout, "soon")
	t.Setenv("HOME", t.TempDir())
	var c testCLI
	_, cfg, problems, ok := Parse(&c, "x", "", []string{"run", "--vault-mount=kv", "--log-level=DEBUG"})
	if !ok || cfg.VaultMount != "kv" || cfg.LogLevel != config.LevelDebug || cfg.VaultTimeout != config.DefaultVaultTimeout {
		t.Fatalf("Parse = %+v %v", cfg, ok)
	}
	if len(problems) != 1 || !strings.HasPrefix(problems[0].Error(), `CLAUDE_LAUNCH_VAULT_TIMEOUT="soon"`) {
		t.Errorf("problems = %v, want the environment's bad value as a warning", problems)
	}
	var d testCLI
	if _, _, _, ok := Parse(&d, "x", "", []string{"run", "--vault-timeout=soon"}); ok {
		t.Error("a bad flag value is not a usage error")
	}
}
