package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/internal/testenv"
)

// TestSetupScript: scripts/vault/setup.sh, run by a careless operator on a
// real Vault (KV version 2 at secret/, version 1 at kv1/, no userpass
// yet), checks what it assumes and stops with one line when it cannot go
// on, instead of Vault's request dump or a guess; what it does write works.
func TestSetupScript(t *testing.T) {
	v := testenv.StartVault(t)
	setup := filepath.Join(scriptsDir, "vault", "setup.sh")
	reader, err := v.Token(testenv.UserPolicy("alice"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(token, stdin string, env []string, args ...string) (string, string, error) {
		t.Helper()
		cmd := exec.Command(setup, args...)
		cmd.Env = append([]string{"VAULT_ADDR=" + v.Addr, "VAULT_TOKEN=" + token, "HOME=" + t.TempDir(),
			"PATH=" + filepath.Dir(testenv.VaultPath()) + ":/usr/bin:/bin"}, env...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		t.Logf("$ %s setup.sh %s: %v\n%s%s", strings.Join(env, " "), strings.Join(args, " "), err, out.String(), errb.String())
		return out.String(), errb.String(), err
	}
	refused := func(name, token, stdin string, env []string, args []string, want string) {
		t.Helper()
		_, stderr, err := run(token, stdin, env, args...)
		if err == nil || stderr != "setup.sh: "+want+"\n" {
			t.Errorf("%s: %v\n%q\nwant one line\n%q", name, err, stderr, "setup.sh: "+want)
		}
	}
	admin := testenv.RootToken
	adminLogin := "run setup.sh with an admin's token (VAULT_TOKEN, or `vault login` as an admin)"

	refused("a user before the first run", admin, "pw\n", nil, []string{"user", "alice"},
		"auth method userpass/ is not enabled yet: run setup.sh without arguments first")
	refused("a token that is not an admin's", reader, "", nil, nil, "this token may not read sys/mounts/secret (it may: deny): "+adminLogin)
	refused("a token Vault never issued", "hvs.CAESIMistypedNeverIssued0123", "", nil, nil,
		"ask Vault what this token may do (setup.sh needs an admin's token): Vault does not know this token (expired, revoked or mistyped): "+
			"log in as an admin (`vault login`) or fix VAULT_TOKEN")
	refused("KV_VERSION=2 for a version 1 mount", admin, "", []string{"CLAUDE_LAUNCH_VAULT_MOUNT=kv1", "KV_VERSION=2"}, nil,
		"mount kv1/ is KV version 1, not 2: leave KV_VERSION unset to write the policy for it, or set CLAUDE_LAUNCH_VAULT_MOUNT to another path")
	if p, _ := v.Client.Sys().GetPolicy("claude-launch"); p != "" {
		t.Errorf("a refused run wrote the policy:\n%s", p)
	}

	// A version 1 mount, KV_VERSION not given: the policy for version 1.
	out, _, err := run(admin, "", []string{"CLAUDE_LAUNCH_VAULT_MOUNT=kv1", "POLICY=kv1-policy"})
	if err != nil || !strings.Contains(out, "mount kv1/: there (KV version 1)") {
		t.Errorf("setup.sh on kv1/: %v\n%s", err, out)
	}
	p, err := v.Client.Sys().GetPolicy("kv1-policy")
	if err != nil || !strings.Contains(p, `path "kv1/users/{{identity`) || strings.Contains(p, "kv1/data/") {
		t.Errorf("the policy for a KV version 1 mount: %v\n%s", err, p)
	}

	if out, _, err := run(admin, "", nil); err != nil || !strings.Contains(out, "mount secret/: there") {
		t.Fatalf("setup.sh: %v\n%s", err, out)
	}
	refused("a name Vault refuses (a trailing dot)", admin, "pw\n", nil, []string{"user", "alice."},
		"user alice.: give the user's login name (lower case, as on the workstations, ending in a letter, digit or _ as Vault requires)")
	refused("a user added by a token that is not an admin's", reader, "pw\n", nil, []string{"user", "alice"},
		"this token may not read sys/auth/userpass (it may: deny): "+adminLogin)

	// A password file with Windows line ends: the password given logs in.
	if _, _, err := run(admin, "pw-alice\r\n", nil, "user", "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Client.Logical().Write("auth/userpass/login/alice", map[string]any{"password": "pw-alice"}); err != nil {
		t.Errorf("the password given does not log in: %v", err)
	}
}
