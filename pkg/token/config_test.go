package token

import (
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	env["HOME"] = "/home/u"
	c, problems := ConfigFromEnv(getenv)
	if len(problems) > 0 || c.Disabled || c.EnvFile != "/home/u/.config/claude-auth-sync/claude-oauth.env" ||
		c.VaultMount != "secret" || c.VaultPath != "users/{user}/claude" || c.VaultField != "setup_token" ||
		c.VaultTimeout != 2*time.Second || c.NegativeTTL != 10*time.Minute {
		t.Errorf("defaults: %+v %v", c, problems)
	}

	env["XDG_CONFIG_HOME"] = "/xdg"
	if c, _ = ConfigFromEnv(getenv); c.EnvFile != "/xdg/claude-auth-sync/claude-oauth.env" {
		t.Errorf("XDG_CONFIG_HOME: %s", c.EnvFile)
	}
	env["XDG_CONFIG_HOME"] = "relative" // ignored, as the XDG spec says
	if c, _ = ConfigFromEnv(getenv); c.EnvFile != "/home/u/.config/claude-auth-sync/claude-oauth.env" {
		t.Errorf("relative XDG_CONFIG_HOME: %s", c.EnvFile)
	}
	env[EnvEnvFile] = "/x.env"
	env[EnvDisable] = "1"
	env[EnvVaultTimeout] = "500ms"
	if c, _ = ConfigFromEnv(getenv); c.EnvFile != "/x.env" || !c.Disabled || c.VaultTimeout != 500*time.Millisecond {
		t.Errorf("overrides: %+v", c)
	}

	env[EnvVaultTimeout] = "soon"
	env[EnvNegativeTTL] = "-1m"
	env[EnvDisable] = "yes"
	c, problems = ConfigFromEnv(getenv)
	if len(problems) != 3 || c.VaultTimeout != DefaultVaultTimeout || c.NegativeTTL != DefaultNegativeTTL || c.Disabled {
		t.Fatalf("bad values: %+v %v", c, problems)
	}
	for _, p := range problems {
		if !strings.Contains(p.Error(), "CLAUDE_LAUNCH_") {
			t.Errorf("problem does not name the variable: %v", p)
		}
	}

	delete(env, EnvEnvFile)
	delete(env, "HOME")
	delete(env, "XDG_CONFIG_HOME")
	if c, _ = ConfigFromEnv(getenv); c.EnvFile != "" {
		t.Errorf("no home: %s", c.EnvFile)
	}
}
