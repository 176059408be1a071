package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, environ []string, flags map[string]string) (Config, []Problem) {
	t.Helper()
	return Load(Input{Environ: environ, Flags: flags})
}

func TestDefaults(t *testing.T) {
	c, problems := load(t, []string{"HOME=/home/u"}, nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	want := Config{
		EnvFile: "/home/u/.config/claude-auth-sync/claude-oauth.env", VaultMount: "secret", VaultPath: "users/{user}/claude",
		VaultField: "setup_token", VaultTimeout: 2 * time.Second, NegativeTTL: 10 * time.Minute, LogLevel: LevelWarn,
		StateDir: "/home/u/.local/state/claude-auth-sync", Backups: 5, ClaudeConfigDir: "/home/u/.claude", PaneMemoryMax: 4 << 30,
		T3: T3{MemoryHigh: 12 << 30, MemoryMax: 16 << 30, ServerMemoryLow: 512 << 20, OOMPolicy: "continue", AgentOOMScoreAdj: 500},
	}
	if c != want {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
	if c, _ := load(t, []string{"HOME=/home/u", "XDG_CONFIG_HOME=/xdg"}, nil); c.EnvFile != "/xdg/claude-auth-sync/claude-oauth.env" {
		t.Errorf("XDG_CONFIG_HOME: %s", c.EnvFile)
	}
	if c, _ := load(t, []string{"HOME=relative"}, nil); c.EnvFile != "" {
		t.Errorf("no usable home: %q", c.EnvFile)
	}
}

// TestPrecedence: a flag, else the environment, else the config file, else
// the default; an empty value counts as unset everywhere.
func TestPrecedence(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config")
	writeConfig(t, cfg, "CLAUDE_LAUNCH_VAULT_MOUNT=from-file\nCLAUDE_LAUNCH_VAULT_FIELD=file_field\nVAULT_ADDR=https://vault.example:8200\n")
	env := []string{"HOME=/h", EnvConfig + "=" + cfg, EnvVaultMount + "=from-env", EnvVaultField + "="}
	c, problems := load(t, env, nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if c.VaultMount != "from-env" || c.VaultField != "file_field" || c.VaultAddr != "https://vault.example:8200" || c.File != cfg {
		t.Errorf("env over file: %+v", c)
	}
	c, _ = load(t, env, map[string]string{"vault-mount": "from-flag"})
	if c.VaultMount != "from-flag" {
		t.Errorf("flag over env: %s", c.VaultMount)
	}
	c, _ = load(t, []string{"HOME=/h", EnvConfig + "=" + cfg, EnvVaultField + "="}, map[string]string{"vault-field": ""})
	if c.VaultField != "file_field" {
		t.Errorf("empty flag and env fall through to the file: %s", c.VaultField)
	}
	c, _ = load(t, []string{"HOME=/h", EnvVaultPath + "=", EnvVaultMount + "="}, nil)
	if c.VaultPath != DefaultVaultPath || c.VaultMount != DefaultVaultMount {
		t.Errorf("set but empty means the default: %+v", c)
	}
	// The first of two values counts, as getenv says.
	c, _ = load(t, []string{"HOME=/h", EnvVaultMount + "=first", EnvVaultMount + "=second"}, nil)
	if c.VaultMount != "first" {
		t.Errorf("duplicate: %s", c.VaultMount)
	}
}

// TestBadValues: each bad value from the environment is one problem that
// names the variable, the value and what applies instead, and the setting
// keeps a usable value; the same value as a flag is a usage error.
func TestBadValues(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		msg         string // the whole message
		check       func(c Config) bool
	}{
		{EnvVaultTimeout, "soon", `CLAUDE_LAUNCH_VAULT_TIMEOUT="soon" is not a positive duration up to 1m, such as 2s or 10m; using 2s`,
			func(c Config) bool { return c.VaultTimeout == 2*time.Second }},
		{EnvVaultTimeout, "0", `CLAUDE_LAUNCH_VAULT_TIMEOUT="0" is not a positive duration up to 1m, such as 2s or 10m; using 2s`,
			func(c Config) bool { return c.VaultTimeout == 2*time.Second }},
		{EnvVaultTimeout, "-1s", "", func(c Config) bool { return c.VaultTimeout == 2*time.Second }},
		{EnvVaultTimeout, "1h", "", func(c Config) bool { return c.VaultTimeout == 2*time.Second }},
		{EnvNegativeTTL, "0", "", func(c Config) bool { return c.NegativeTTL == 10*time.Minute }},
		{EnvLogLevel, "loud", `CLAUDE_LAUNCH_LOG_LEVEL="loud" is not debug, info, warn or error; using warn`,
			func(c Config) bool { return c.LogLevel == LevelWarn }},
		{EnvDisable, "ture", `CLAUDE_LAUNCH_DISABLE="ture" is not 1, true, yes or on, nor 0, false, no or off; using 1: the launcher is off`,
			func(c Config) bool { return c.Disabled }},
		{EnvClaude, "./claude", `CLAUDE_LAUNCH_CLAUDE="./claude" is a relative path, which would run a claude from whatever directory you stand in; give an absolute path; using claude in PATH`,
			func(c Config) bool { return c.Claude == "" }},
		{EnvClaude, "bin/claude", "", func(c Config) bool { return c.Claude == "" }},
		{EnvEnvFile, "~/x.env", `CLAUDE_LAUNCH_ENV_FILE="~/x.env" is not an absolute path (~ and $HOME are not expanded here); using ${XDG_CONFIG_HOME:-~/.config}/claude-auth-sync/claude-oauth.env`,
			func(c Config) bool { return c.EnvFile == "/h/.config/claude-auth-sync/claude-oauth.env" }},
		{EnvVaultMount, "sec ret", "", func(c Config) bool { return c.VaultMount == DefaultVaultMount }},
		{EnvVaultMount, "..", "", func(c Config) bool { return c.VaultMount == DefaultVaultMount }},
		{EnvVaultPath, "users/{usr}/claude", `CLAUDE_LAUNCH_VAULT_PATH="users/{usr}/claude" has a placeholder other than {user}; using users/{user}/claude`,
			func(c Config) bool { return c.VaultPath == DefaultVaultPath }},
		{EnvVaultPath, "a//b", "", func(c Config) bool { return c.VaultPath == DefaultVaultPath }},
		{EnvVaultField, "setup token", "", func(c Config) bool { return c.VaultField == DefaultVaultField }},
		{EnvMetricsFile, "/tmp/claude.txt", "", func(c Config) bool { return c.MetricsFile == "" }},
		{EnvOOMScoreAdj, "lots", `CLAUDE_LAUNCH_OOM_SCORE_ADJ="lots" is not a whole number from -1000 to 1000; using unchanged`,
			func(c Config) bool { return !c.OOMScoreAdjSet }},
		{EnvT3MemoryMax, "16GG", "", func(c Config) bool { return c.T3.MemoryMax == DefaultMemoryMax }},
		{EnvT3OOMPolicy, "Continue", "", func(c Config) bool { return c.T3.OOMPolicy == "continue" }},
		{EnvT3Scope, "my scope", "", func(c Config) bool { return c.T3.Scope == "" }},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			c, problems := load(t, []string{"HOME=/h", tc.name + "=" + tc.value}, nil)
			if len(problems) != 1 {
				t.Fatalf("problems = %v, want one", problems)
			}
			if tc.msg != "" && problems[0].Error() != tc.msg {
				t.Errorf("message\n got %s\nwant %s", problems[0].Error(), tc.msg)
			}
			if !strings.HasPrefix(problems[0].Error(), tc.name+"=") || problems[0].Flag {
				t.Errorf("message %q does not start with the variable", problems[0])
			}
			if !tc.check(c) {
				t.Errorf("setting not usable after a bad value: %+v", c)
			}
			if s := Lookup(tc.name); s.Flag != "" {
				_, fp := load(t, []string{"HOME=/h"}, map[string]string{s.Flag: tc.value})
				if len(fp) != 1 || !fp[0].Flag || !strings.HasPrefix(fp[0].Error(), "--"+s.Flag+"=") {
					t.Errorf("as a flag: %v, want one usage error", fp)
				}
			}
		})
	}
}

func TestGoodValues(t *testing.T) {
	c, problems := load(t, []string{"HOME=/h", EnvLogLevel + "=WARNING", EnvVaultMount + "=/kv/", EnvClaude + "=claude-stable",
		EnvDisable + "=yes", EnvT3MemoryHigh + "=512m", EnvOOMScoreAdj + "=-100", EnvVaultTimeout + "=1m"}, nil)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if c.LogLevel != LevelWarn || c.VaultMount != "kv" || c.Claude != "claude-stable" || !c.Disabled ||
		c.T3.MemoryHigh != 512<<20 || c.OOMScoreAdj != -100 || !c.OOMScoreAdjSet || c.VaultTimeout != time.Minute {
		t.Errorf("%+v", c)
	}
}

// TestNameSlips: a variable one or two edits from a setting is reported
// with the setting it most likely means; others of our prefix are not.
func TestNameSlips(t *testing.T) {
	_, problems := load(t, []string{"HOME=/h", "CLAUDE_LAUNCH_VALT_MOUNT=kv", "CLAUDE_LAUNCH_DISABLED=1", "CLAUDE_LAUNCH_CACHE=/c", "CLAUDE_LAUNCH_REQUIRE_TOOLS=1", "UNRELATED=1"}, nil)
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	want := []string{
		"CLAUDE_LAUNCH_VALT_MOUNT is not a setting (did you mean CLAUDE_LAUNCH_VAULT_MOUNT?); ignored",
		"CLAUDE_LAUNCH_DISABLED is not a setting (did you mean CLAUDE_LAUNCH_DISABLE?); ignored",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func writeConfig(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestConfigFile: the default place, what it may not hold, and that a bad
// line costs only that line.
func TestConfigFile(t *testing.T) {
	home := t.TempDir()
	p := filepath.Join(home, ".config", "claude-launch", "config")
	writeConfig(t, p, `# settings for every claude-launch program
VAULT_ADDR=https://vault.example:8200
export CLAUDE_LAUNCH_VAULT_TIMEOUT=5s
CLAUDE_LAUNCH_NEGATIVE_TTL=soon
VAULT_TOKEN=hvs.secret
CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-x
CLAUDE_LAUNCH_DEPTH=3
CLAUDE_LAUNCH_VALT_PATH=x
CLAUDE_LAUNCH_LOG_LEVEL="debug
CLAUDE_LAUNCH_VAULT_FIELD=token
`)
	c, problems := load(t, []string{"HOME=" + home}, nil)
	if c.File != p || c.VaultAddr != "https://vault.example:8200" || c.VaultTimeout != 5*time.Second || c.VaultField != "token" || c.Depth != 0 || c.LogLevel != LevelWarn {
		t.Errorf("%+v", c)
	}
	var got []string
	for _, pr := range problems {
		got = append(got, pr.Error())
	}
	at := "config file " + p + " line "
	want := []string{
		at + `4: CLAUDE_LAUNCH_NEGATIVE_TTL="soon" is not a positive duration up to 24h, such as 2s or 10m; using 10m`,
		at + "5: VAULT_TOKEN is a secret, and the config file is not a place for one; ignored (the Vault token belongs in ~/.vault-token, written by `vault login`)",
		at + "6: CLAUDE_CODE_OAUTH_TOKEN is a secret, and the config file is not a place for one; ignored (the Vault token belongs in ~/.vault-token, written by `vault login`)",
		at + "7: CLAUDE_LAUNCH_DEPTH cannot be set in the config file; ignored",
		at + "8: CLAUDE_LAUNCH_VALT_PATH is not a setting (did you mean CLAUDE_LAUNCH_VAULT_PATH?); ignored",
		at + "9: unterminated double quote (values may not span lines); that line is ignored",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, s := range got {
		if strings.Contains(s, "hvs.secret") || strings.Contains(s, "sk-ant-oat01-x") {
			t.Errorf("a secret from the file reached a message: %s", s)
		}
	}

	// Others may write it: ignored as a whole, with one problem.
	if err := os.Chmod(p, 0o666); err != nil {
		t.Fatal(err)
	}
	c, problems = load(t, []string{"HOME=" + home}, nil)
	if c.File != "" || c.VaultTimeout != DefaultVaultTimeout || len(problems) != 1 || !strings.Contains(problems[0].Error(), "group or others can write it (mode 0666)") || !strings.Contains(problems[0].Error(), "its settings are ignored") {
		t.Errorf("unsafe file: %+v %v", c, problems)
	}

	// Elsewhere, by variable or flag; a symlink is followed.
	other := filepath.Join(t.TempDir(), "other")
	writeConfig(t, other, "CLAUDE_LAUNCH_VAULT_MOUNT=kv\n")
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(other, link); err != nil {
		t.Fatal(err)
	}
	if c, problems := load(t, []string{"HOME=" + home, EnvConfig + "=" + link}, nil); c.VaultMount != "kv" || len(problems) > 0 {
		t.Errorf("by variable: %+v %v", c, problems)
	}
	if c, _ := load(t, []string{"HOME=" + home}, map[string]string{"config": other}); c.VaultMount != "kv" {
		t.Errorf("by flag: %+v", c)
	}
	// Named, but missing: the settings meant would silently not apply.
	if c, problems := load(t, []string{"HOME=" + home, EnvConfig + "=" + filepath.Join(home, "none")}, nil); c.File != "" || len(problems) != 1 || !strings.Contains(problems[0].Error(), "does not exist, so none of its settings apply") {
		t.Errorf("missing file: %+v %v", c, problems)
	}
	if _, problems := load(t, []string{"HOME=" + home}, map[string]string{"config": filepath.Join(home, "none")}); len(problems) != 1 || !problems[0].Flag {
		t.Errorf("missing file by flag: %v", problems)
	}
	// The default one may well be absent.
	if c, problems := load(t, []string{"HOME=" + t.TempDir()}, nil); c.File != "" || len(problems) > 0 {
		t.Errorf("no default file: %+v %v", c, problems)
	}
}

// TestMayBeSecret: what is never echoed, and what people need to see.
func TestMayBeSecret(t *testing.T) {
	for v, want := range map[string]bool{
		"sk-ant-oat01-TESTtoken_0123456789": true, "sk-ant-api03-abc": true, " hvs.CAESIJ0123": true,
		"Bearer hvs.CAESIJ0123": true, "export VAULT_TOKEN=hvs.CAES": true, "s.0123456789abcdefghijklmn": true,
		"aBcDeF0123456789xYz_-0123": true,
		"2s":                        false, "debug": false, "soon": false, "kv": false, "~/.config/claude-auth-sync/claude-oauth.env": false,
		"vault.example.com:8200": false, "https://vault.example.com:8200": false, "t3-serve-launch@alice.scope": false,
		"claude-oauth-token.env": false, "12884901888": false, "123456789012345678901234": false, "s.txt": false, "b.kv": false,
		"users/{user}/claude": false, "": false,
	} {
		if got := MayBeSecret(v); got != want {
			t.Errorf("MayBeSecret(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestFlagHelp(t *testing.T) {
	if got := Lookup(EnvVaultTimeout).FlagHelp(); got != "Bound on the whole Vault look-up, lock wait included. Default: 2s. ($CLAUDE_LAUNCH_VAULT_TIMEOUT)" {
		t.Errorf("FlagHelp = %q", got)
	}
	seen := map[string]bool{}
	for _, s := range Settings {
		if seen[s.Name] || s.Flag != "" && seen["--"+s.Flag] {
			t.Errorf("%s defined twice", s.Name)
		}
		seen[s.Name], seen["--"+s.Flag] = true, s.Flag != ""
		if s.Help == "" || !strings.HasSuffix(s.Help, ".") {
			t.Errorf("%s: help %q is not a sentence", s.Name, s.Help)
		}
		// The default applies cleanly.
		var c Config
		if err := s.set(&c, "", func(string) string { return "" }); err != nil {
			t.Errorf("%s: applying the default: %v", s.Name, err)
		}
		if s.Default != "" {
			if err := s.set(&c, s.Default, func(string) string { return "" }); err != nil {
				t.Errorf("%s: the documented default %q does not parse: %v", s.Name, s.Default, err)
			}
		}
	}
}

// TestWrittenDefaults: the defaults written out in the table are the typed
// defaults.
func TestWrittenDefaults(t *testing.T) {
	c, _ := load(t, []string{"HOME=/h"}, nil)
	var w Config
	for _, s := range Settings {
		if s.Default != "" {
			if err := s.set(&w, s.Default, func(string) string { return "" }); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.EnvFile, w.File, w.StateDir, w.ClaudeConfigDir = c.EnvFile, c.File, c.StateDir, c.ClaudeConfigDir
	if w.VaultAddr != DefaultVaultAddr {
		t.Errorf("VAULT_ADDR default %q", w.VaultAddr)
	}
	w.VaultAddr = ""
	w.T3.MemoryHighSet = false // written, the default reads as given
	if w != c {
		t.Errorf("written defaults\n %+v\nloaded defaults\n %+v", w, c)
	}
}

// TestLaunchLoadsItsOwn: claude-launch loads only its settings: another
// program's bad value is not its to report, nor its defaults to compute.
func TestLaunchLoadsItsOwn(t *testing.T) {
	c, problems := Load(Input{Environ: []string{"HOME=/h", EnvT3MemoryMax + "=16GG", EnvVaultTimeout + "=5s"}, Launch: true})
	if len(problems) != 0 || c.VaultTimeout != 5*time.Second || c.T3.MemoryMax != 0 || c.StateDir != "" {
		t.Errorf("%+v %v", c, problems)
	}
	for _, name := range []string{EnvDisable, EnvClaude, EnvEnvFile, EnvVaultMount, EnvVaultPath, EnvVaultField, EnvVaultTimeout, EnvNegativeTTL, EnvLogLevel, EnvConfig, EnvDepth, EnvOOMScoreAdj, EnvAgentCgroup, EnvAgentCgroupMemoryMax, EnvVaultAddr, EnvVaultNamespace} {
		if !Lookup(name).Launch {
			t.Errorf("%s is not loaded by claude-launch, which reads it", name)
		}
	}
}

// TestNoAnswerUnsetAddr: with VAULT_ADDR unset, no answer names the default
// and where to set the address.
func TestNoAnswerUnsetAddr(t *testing.T) {
	c := Config{VaultTimeout: 2 * time.Second}
	if got, want := c.NoAnswer(), "vault at https://127.0.0.1:8200 did not answer within 2s; "+UnsetVaultAddr; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
