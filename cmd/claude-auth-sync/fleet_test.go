package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// TestOperatorPolicy: scripts/vault/setup.sh, run as an operator runs it
// (an admin token, twice), makes the auth method and the templated policy;
// `setup.sh user NAME` adds two userpass users. Each, logged in with their
// own password (never root), can enable, rotate, see and disable their own
// setup token; neither can read, write, list or delete the other's.
func TestOperatorPolicy(t *testing.T) {
	v := testenv.StartVault(t)
	bin := t.TempDir()
	if err := testenv.BuildCommands(bin, "github.com/claude-launch/claude-launch/cmd/claude-auth-sync"); err != nil {
		t.Fatal(err)
	}
	setup, _ := filepath.Abs(filepath.Join("..", "..", "scripts", "vault", "setup.sh"))
	path := filepath.Dir(testenv.VaultPath()) + ":/usr/bin:/bin"
	admin := []string{"VAULT_ADDR=" + v.Addr, "VAULT_TOKEN=" + testenv.RootToken, "PATH=" + path, "HOME=" + t.TempDir()}
	run := func(env []string, stdin string, name string, args ...string) (string, error) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = testenv.CoverEnv(env)
		cmd.Stdin = strings.NewReader(stdin)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		t.Logf("$ %s %s (%v)\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
		return out.String(), err
	}
	out, err := run(admin, "", setup)
	if err != nil || !strings.Contains(out, "auth method userpass/: enabled") || !strings.Contains(out, "policy claude-launch: written") {
		t.Fatalf("setup: %v", err)
	}
	if out, err := run(admin, "", setup); err != nil || !strings.Contains(out, "mount secret/: there") || !strings.Contains(out, "auth method userpass/: there") {
		t.Fatalf("setup, again: %v", err)
	}
	login := map[string]string{}
	for _, u := range []string{"alice", "bob"} {
		if _, err := run(admin, "pw-"+u, setup, "user", u); err != nil {
			t.Fatal(err)
		}
		c, err := v.Client.Clone()
		if err != nil {
			t.Fatal(err)
		}
		c.ClearToken()
		s, err := c.Logical().Write("auth/userpass/login/"+u, map[string]any{"password": "pw-" + u})
		if err != nil {
			t.Fatalf("login %s: %v", u, err)
		}
		login[u] = s.Auth.ClientToken
	}

	as := func(u, pathOf string) []string {
		return []string{"VAULT_ADDR=" + v.Addr, "VAULT_TOKEN=" + login[u], "PATH=" + path, "HOME=" + filepath.Join(t.TempDir()),
			"CLAUDE_LAUNCH_VAULT_PATH=users/" + pathOf + "/claude", "CLAUDE_LAUNCH_CLAUDE=/bin/true"}
	}
	tok := func(s string) string { t.Helper(); return token.Prefix + "TESTfleet_" + s + "_0123456789" }
	for _, u := range []string{"alice", "bob"} {
		env := as(u, u)
		if out, err := run(env, tok(u+"1")+"\n", filepath.Join(bin, "claude-auth-sync"), "enable"); err != nil || !strings.Contains(out, "stored the setup token") {
			t.Fatalf("%s enable: %v", u, err)
		}
		if out, _ := run(env, "", filepath.Join(bin, "claude-auth-sync"), "status", "--json"); !strings.Contains(out, `"has_setup_token": true`) {
			t.Errorf("%s status does not see the token", u)
		}
		if _, err := run(env, tok(u+"2")+"\n", filepath.Join(bin, "claude-auth-sync"), "rotate"); err != nil {
			t.Errorf("%s rotate: %v", u, err)
		}
	}
	// Alice on Bob's path: every command is denied, and says so.
	env := as("alice", "bob")
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"sync"}, "vault denied reading secret/users/bob/claude (403)"},
		{tok("evil") + "\n", []string{"enable"}, "vault denied writing secret/users/bob/claude (403)"},
		{"", []string{"disable"}, "vault denied writing secret/users/bob/claude (403)"},
	} {
		out, err := run(env, c.stdin, filepath.Join(bin, "claude-auth-sync"), c.args...)
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("alice %v on bob's path: %v, want an error with %q", c.args, err, c.want)
		}
	}
	ac, _ := v.Client.Clone()
	ac.SetToken(login["alice"])
	ctx := context.Background()
	if _, err := ac.KVv2("secret").Get(ctx, "users/bob/claude"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("alice read bob's secret: %v", err)
	}
	if _, err := ac.Logical().List("secret/metadata/users"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("alice listed the users: %v", err)
	}
	if err := ac.KVv2("secret").DeleteMetadata(ctx, "users/bob/claude"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("alice deleted bob's secret: %v", err)
	}
	if s, err := v.Client.KVv2("secret").Get(ctx, "users/bob/claude"); err != nil || s.Data["setup_token"] != tok("bob2") {
		t.Errorf("bob's secret changed: %v", err)
	}
	// Each disables their own.
	for _, u := range []string{"alice", "bob"} {
		if _, err := run(as(u, u), "", filepath.Join(bin, "claude-auth-sync"), "disable"); err != nil {
			t.Errorf("%s disable: %v", u, err)
		}
	}
	if _, err := os.Stat(setup); err != nil {
		t.Fatal(err)
	}
}
