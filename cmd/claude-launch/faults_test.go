package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
	"github.com/hashicorp/vault/api"
)

var update = flag.Bool("update", false, "rewrite the fault table of docs/how-it-works.md from TestFaultTable's results")

// faultRun is one row's world while it runs.
type faultRun struct {
	t       *testing.T
	home    string
	envFile string
	vault   *testenv.VaultServer
	me      string
	env     []string // added to the command's environment
	dir     string   // the command's working directory
	after   func()   // runs once the command has ended
	// ownFate: after checks the env file itself (it is not the default).
	ownFate bool
}

// fault is one row of the fault table (docs/how-it-works.md): a fault, how
// it is set up, and what the person must see.
type fault struct {
	name string
	// sync runs `claude-auth-sync sync` by hand; otherwise claude-launch
	// with no arguments.
	sync bool
	// file: a good env file is in place before.
	file bool
	// server: "vault" (the real one), "down", or a fake's handler.
	server  string
	handler http.HandlerFunc
	setup   func(r *faultRun)
	args    []string

	// command runs `claude-auth-sync COMMAND` by hand with stdin, instead.
	command, stdin string

	sees   []string // stderr (and, by hand, stdout), normalized, in order
	exit   int
	waits  time.Duration // the bound the person waits for, 0 for none
	claude string        // launch: "setup token" or "own login"
	fate   string        // what happened to the env file
}

// faultClasses are the table's sections, in order, each with its rows.
func faultClasses() []struct {
	title  string
	faults []fault
} {
	notVault := func(what string) string {
		return "vault at http://127.0.0.1:PORT gave " + what + " for secret/users/USER/claude, which is not an answer Vault gives; check that VAULT_ADDR is your Vault server and not a proxy or another service"
	}
	syncErr := func(msg string) string {
		return "ERRO claude-auth-sync: sync: " + msg + "; the env file was left as it was"
	}
	launchWarn := func(who, msg string) string {
		return "WARN " + who + ": " + msg + "; starting claude with its own login"
	}
	removed := "~/.config/claude-auth-sync/claude-oauth.env: removed (fingerprint none)"
	// Without a setup token, sync guards the rotating login, and says how
	// it is (here: never logged in).
	login := "~/.claude/.credentials.json: not logged in (no file)"
	unchanged := "~/.config/claude-auth-sync/claude-oauth.env: unchanged (fingerprint FP)"
	kv2 := func(r *faultRun) *kvV2 { return &kvV2{r} }
	return []struct {
		title  string
		faults []fault
	}{
		{"Only an answer Vault gives in its own terms removes the env file", []fault{
			{name: "the secret was deleted (`vault kv metadata delete`)", sync: true, file: true, server: "vault",
				setup: func(r *faultRun) { kv2(r).deleteMetadata() },
				sees:  []string{removed, login}, exit: 0, fate: "removed"},
			{name: "the secret's current version was deleted (`vault kv delete`)", sync: true, file: true, server: "vault",
				setup: func(r *faultRun) { kv2(r).deleteVersion() },
				sees:  []string{removed, login}, exit: 0, fate: "removed"},
			{name: "the secret has no `setup_token` field", sync: true, file: true, server: "vault",
				setup: func(r *faultRun) { kv2(r).put(map[string]any{"note": "opted out"}) },
				sees:  []string{removed, login}, exit: 0, fate: "removed"},
			{name: "the secret's `setup_token` field is `null`", sync: true, file: true, server: "vault",
				setup: func(r *faultRun) { kv2(r).put(map[string]any{"setup_token": nil}) },
				sees: []string{syncErr("vault secret/users/USER/claude: field \"setup_token\" is not text (JSON null, a number or an object); " +
					"store the setup token with `claude-auth-sync rotate`, or remove the field to opt out")},
				exit: 1, fate: "kept, byte for byte"},
			{name: "the secret is larger than 1 MiB (another field fills it)", sync: true, file: true, server: "vault",
				setup: func(r *faultRun) {
					kv2(r).put(map[string]any{"setup_token": testToken, "notes": strings.Repeat("x", 1<<20)})
				},
				sees: []string{syncErr("vault at http://127.0.0.1:PORT answered reading secret/users/USER/claude with more than 1 MiB, which is not a setup token and its dates: " +
					"remove what else fills that secret (`vault kv get`), or keep the token at a path of its own (CLAUDE_LAUNCH_VAULT_PATH)")},
				exit: 1, fate: "kept, byte for byte"},
			{name: "VAULT_ADDR answers 404 with no body (a proxy, a wrong address)", sync: true, file: true, handler: reply(404, ""),
				sees: []string{syncErr("vault at http://127.0.0.1:PORT gave a 404 without Vault's JSON body for secret/users/USER/claude, which is not an answer Vault gives; check that VAULT_ADDR is your Vault server and not a proxy or another service")},
				exit: 1, fate: "kept, byte for byte"},
			{name: "VAULT_ADDR answers 404 with an HTML page", sync: true, file: true, handler: reply(404, "<html><body><h1>Not Found</h1></body></html>"),
				sees: []string{syncErr(notVault("a 404 without Vault's JSON body"))}, exit: 1, fate: "kept, byte for byte"},
			{name: "the read answers 200 with `{}`", sync: true, file: true, handler: onRead(reply(200, "{}")),
				sees: []string{syncErr(notVault("a 200 without the secret's data"))}, exit: 1, fate: "kept, byte for byte"},
			{name: "the read answers 200 with `null`", sync: true, file: true, handler: onRead(reply(200, "null")),
				sees: []string{syncErr(notVault("a 200 without the secret's data"))}, exit: 1, fate: "kept, byte for byte"},
			{name: "the read answers 204 No Content", sync: true, file: true, handler: onRead(reply(204, "")),
				sees: []string{syncErr(notVault("a 204, no content"))}, exit: 1, fate: "kept, byte for byte"},
			{name: "a policy makes Vault wrap every answer", sync: true, file: true,
				handler: onRead(reply(200, `{"data":null,"wrap_info":{"token":"hvs.wrapped","ttl":300}}`)),
				sees:    []string{syncErr("vault at http://127.0.0.1:PORT: reading secret/users/USER/claude: the answer came back response-wrapped (a policy requires wrapping for this path), and claude-auth-sync reads secrets unwrapped")},
				exit:    1, fate: "kept, byte for byte"},
			{name: "`VAULT_WRAP_TTL=5m` in the environment", sync: true, file: true, server: "vault",
				setup: func(r *faultRun) { r.env = append(r.env, "VAULT_WRAP_TTL=5m") },
				sees:  []string{unchanged}, exit: 0, fate: "kept, byte for byte"},
			{name: "`CLAUDE_LAUNCH_VAULT_PATH=` and `CLAUDE_LAUNCH_VAULT_FIELD=`, set but empty", sync: true, file: true, server: "vault",
				setup: func(r *faultRun) { r.env = append(r.env, config.EnvVaultPath+"=", config.EnvVaultField+"=") },
				sees:  []string{unchanged}, exit: 0, fate: "kept, byte for byte"},
			{name: "at the first launch, VAULT_ADDR answers 404 with no body", handler: reply(404, ""),
				sees:   []string{launchWarn("claude-auth-sync", "vault at http://127.0.0.1:PORT gave a 404 without Vault's JSON body for secret/users/USER/claude, which is not an answer Vault gives; check that VAULT_ADDR is your Vault server and not a proxy or another service")},
				claude: "own login", fate: "none, none written"},
		}},
		{"One definition of every setting, in all three programs", []fault{
			{name: "`CLAUDE_LAUNCH_LOG_LEVEL=WARN`", server: "vault",
				setup:  func(r *faultRun) { r.env = append(r.env, config.EnvLogLevel+"=WARN") },
				claude: "setup token", fate: "written, 0600"},
			{name: "`CLAUDE_LAUNCH_VAULT_TIMEOUT=soon`", server: "vault",
				setup:  func(r *faultRun) { r.env = append(r.env, config.EnvVaultTimeout+"=soon") },
				sees:   []string{`WARN claude-launch: CLAUDE_LAUNCH_VAULT_TIMEOUT="soon" is not a positive duration up to 1m, such as 2s or 10m; using 2s`},
				claude: "setup token", fate: "written, 0600"},
			{name: "`CLAUDE_LAUNCH_VAULT_MOUNT=`, set but empty", server: "vault",
				setup:  func(r *faultRun) { r.env = append(r.env, config.EnvVaultMount+"=") },
				claude: "setup token", fate: "written, 0600"},
			{name: "a slip in a name: `CLAUDE_LAUNCH_VALT_MOUNT=kv1`", server: "vault",
				setup:  func(r *faultRun) { r.env = append(r.env, "CLAUDE_LAUNCH_VALT_MOUNT=kv1") },
				sees:   []string{"WARN claude-launch: CLAUDE_LAUNCH_VALT_MOUNT is not a setting (did you mean CLAUDE_LAUNCH_VAULT_MOUNT?); ignored"},
				claude: "setup token", fate: "written, 0600"},
			{name: "by hand, `--vault-timeout=soon`", sync: true, file: true, server: "vault", args: []string{"--vault-timeout=soon"},
				sees: []string{`claude-auth-sync: error: --vault-timeout="soon" is not a positive duration up to 1m, such as 2s or 10m`},
				exit: 2, fate: "kept, byte for byte"},
		}},
		{"Every wait is bounded", []fault{
			{name: "at the first launch, Vault accepts the connection and never answers", handler: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
				setup: func(r *faultRun) { r.env = append(r.env, config.EnvVaultTimeout+"=1s") },
				sees:  []string{launchWarn("claude-auth-sync", "vault at http://127.0.0.1:PORT did not answer within 1s; check VAULT_ADDR and the network, or raise CLAUDE_LAUNCH_VAULT_TIMEOUT")},
				waits: time.Second, claude: "own login", fate: "none, none written"},
			{name: "by hand, while another look-up holds the lock", sync: true, file: true, server: "vault",
				setup: func(r *faultRun) {
					r.env = append(r.env, config.EnvVaultTimeout+"=1s")
					unlock, err := store.Lock(context.Background(), r.envFile+".lock")
					if err != nil {
						r.t.Fatal(err)
					}
					r.after = unlock
				},
				sees: []string{syncErr("another look-up holds ~/.config/claude-auth-sync/claude-oauth.env.lock and did not finish in time: context deadline exceeded")},
				exit: 1, waits: time.Second, fate: "kept, byte for byte"},
			{name: "by hand, `~/.vault-token` is a FIFO", sync: true, file: true, server: "vault",
				setup: func(r *faultRun) {
					r.env = append(r.env, "VAULT_TOKEN=")
					if err := syscall.Mkfifo(filepath.Join(r.home, ".vault-token"), 0o600); err != nil {
						r.t.Fatal(err)
					}
				},
				sees: []string{syncErr("Vault token file ~/.vault-token: insecure file: it is a named pipe, not a regular file; remove it and run `vault login`")},
				exit: 1, fate: "kept, byte for byte"},
			{name: "by hand, with no setup token, claude's lock owner file is a FIFO", sync: true, server: "vault",
				setup: func(r *faultRun) {
					kv2(r).deleteMetadata()
					lock := filepath.Join(r.home, ".claude", ".oauth_refresh.lock")
					if err := os.MkdirAll(lock, 0o700); err != nil || syscall.Mkfifo(lock+".owner", 0o600) != nil {
						r.t.Fatal(err)
					}
				},
				sees: []string{"~/.config/claude-auth-sync/claude-oauth.env: absent (fingerprint none)", login}, exit: 0, fate: "none, none written"},
			{name: "`CLAUDE_LAUNCH_VAULT_TIMEOUT=0`", server: "vault",
				setup:  func(r *faultRun) { r.env = append(r.env, config.EnvVaultTimeout+"=0") },
				sees:   []string{`WARN claude-launch: CLAUDE_LAUNCH_VAULT_TIMEOUT="0" is not a positive duration up to 1m, such as 2s or 10m; using 2s`},
				claude: "setup token", fate: "written, 0600"},
		}},
		{"The real claude is always found, and only the real one", []fault{
			{name: "two copies of claude-launch installed as `claude` ahead of the real one in PATH", file: true,
				setup: func(r *faultRun) {
					for _, d := range []string{"a", "b"} {
						dir := filepath.Join(r.home, d)
						copyExe(r.t, filepath.Join(binDir, "claude-launch"), filepath.Join(dir, "claude"))
					}
					r.env = append(r.env, config.EnvClaude+"=", "PATH="+filepath.Join(r.home, "a")+":"+filepath.Join(r.home, "b")+":"+binDir+":"+fakeDir(r.home)+":/usr/bin:/bin")
				},
				claude: "setup token", fate: "kept, byte for byte"},
			{name: "`CLAUDE_LAUNCH_CLAUDE=./claude`, with an executable `./claude` where the user stands", file: true,
				setup: func(r *faultRun) {
					r.dir = filepath.Join(r.home, "repo")
					writeExe(r.t, filepath.Join(r.dir, "claude"), "#!/bin/sh\necho token=STOLEN\n")
					r.env = append(r.env, config.EnvClaude+"=./claude")
				},
				sees:   []string{`WARN claude-launch: CLAUDE_LAUNCH_CLAUDE="./claude" is a relative path, which would run a claude from whatever directory you stand in; give an absolute path; using claude in PATH`},
				claude: "setup token", fate: "kept, byte for byte"},
			{name: "`~/.vault-token` holds only whitespace",
				setup: func(r *faultRun) {
					r.env = append(r.env, "VAULT_TOKEN=", "VAULT_ADDR=http://127.0.0.1:1")
					if err := os.WriteFile(filepath.Join(r.home, ".vault-token"), []byte("  \n"), 0o600); err != nil {
						r.t.Fatal(err)
					}
				},
				claude: "own login", fate: "none, none written"},
		}},
		{"Nothing that is not ours is changed", []fault{
			{name: "by hand, `CLAUDE_LAUNCH_ENV_FILE` in a world-writable, sticky (1777) directory", sync: true, server: "vault",
				setup: func(r *faultRun) {
					shared := filepath.Join(r.home, "shared")
					if err := os.Mkdir(shared, 0o755); err != nil {
						r.t.Fatal(err)
					}
					if err := os.Chmod(shared, 0o1777|os.ModeSticky); err != nil {
						r.t.Fatal(err)
					}
					r.env = append(r.env, config.EnvEnvFile+"="+filepath.Join(shared, "claude.env"))
					r.after = func() {
						if fi, _ := os.Stat(shared); fi.Mode()&os.ModeSticky == 0 || fi.Mode().Perm() != 0o777 {
							r.t.Errorf("the shared directory changed: %v", fi.Mode())
						}
					}
				},
				sees: []string{syncErr("directory ~/shared: insecure file: group or others can write in it (mode 1777), so they could replace the file; run `chmod go-w ~/shared`, or keep the env file in a directory of your own (CLAUDE_LAUNCH_ENV_FILE)"), login},
				exit: 1, fate: "none, none written; the directory keeps its 1777"},
			{name: "by hand, `CLAUDE_LAUNCH_ENV_FILE=$HOME/claude.env`", sync: true, server: "vault",
				setup: func(r *faultRun) {
					if err := os.Chmod(r.home, 0o755); err != nil {
						r.t.Fatal(err)
					}
					r.env = append(r.env, config.EnvEnvFile+"="+filepath.Join(r.home, "claude.env"))
					r.ownFate = true
					r.after = func() {
						if fi, _ := os.Stat(r.home); fi.Mode().Perm() != 0o755 {
							r.t.Errorf("$HOME changed to %v", fi.Mode())
						}
						if _, err := token.ReadEnvFile(filepath.Join(r.home, "claude.env"), config.SyncCommand); err != nil {
							r.t.Errorf("not written: %v", err)
						}
					}
				},
				sees: []string{"~/claude.env: written (fingerprint FP)"},
				exit: 0, fate: "~/claude.env written, 0600; $HOME keeps its 0755"},
		}},
		{"The commands with bad input: nothing cut, nothing echoed, nothing half done", []fault{
			{name: "10 MB on stdin, the token starting just before 64 KiB", command: "enable", server: "vault",
				stdin: strings.Repeat("x", 64<<10-19) + testToken + strings.Repeat("y", 10<<20),
				setup: func(r *faultRun) { r.after = kv2(r).unchanged() },
				sees:  []string{"claude-auth-sync: error: stdin holds more than 64 KiB, which is not a setup token: pipe in the token alone, or the output of `claude setup-token`"},
				exit:  2, fate: "none, none written; Vault unchanged"},
			{name: "`--expires` in the past", command: "enable", server: "vault", args: []string{"--expires=2020-01-01"}, stdin: testToken + "\n",
				setup: func(r *faultRun) { r.after = kv2(r).unchanged() },
				sees:  []string{"claude-auth-sync: error: --expires=\"2020-01-01\" is in the past: a setup token lasts a year from `claude setup-token`; give the day it was made plus 365 days, or make a new one"},
				exit:  2, fate: "none, none written; Vault unchanged"},
			{name: "`CLAUDE_LAUNCH_ENV_FILE` in a directory anyone may write (0777)", command: "enable", server: "vault", stdin: testToken + "\n",
				setup: func(r *faultRun) {
					shared := filepath.Join(r.home, "shared")
					if err := os.Mkdir(shared, 0o755); err != nil {
						r.t.Fatal(err)
					}
					if err := os.Chmod(shared, 0o777); err != nil {
						r.t.Fatal(err)
					}
					r.env = append(r.env, config.EnvEnvFile+"="+filepath.Join(shared, "claude.env"))
					r.ownFate = true
					unchanged := kv2(r).unchanged()
					r.after = func() {
						unchanged()
						if _, err := os.Stat(filepath.Join(shared, "claude.env")); err == nil {
							r.t.Error("an env file was written in the refused directory")
						}
					}
				},
				sees: []string{"ERRO claude-auth-sync: directory ~/shared: insecure file: group or others can write in it (mode 0777), so they could replace the file; run `chmod go-w ~/shared`, or keep the env file in a directory of your own (CLAUDE_LAUNCH_ENV_FILE); nothing was stored"},
				exit: 1, fate: "none, none written; Vault unchanged"},
			{name: "an API key on the command line", sync: true, file: true, server: "vault", args: []string{"sk-ant-api03-TESTtokenVALUE_key"},
				sees: []string{"claude-auth-sync: error: an Anthropic key or token (sk-ant-…) on the command line can be read by every user of this machine (/proc/PID/cmdline) and stays in your shell's history; claude-auth-sync takes none on its command line, and nothing was run: revoke it and make a new one"},
				exit: 2, fate: "kept, byte for byte"},
			{name: "a setup token pasted as another setting's value in the config file", server: "vault",
				setup: func(r *faultRun) {
					f := config.DefaultConfigFile(func(k string) string { return map[string]string{"HOME": r.home}[k] })
					if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
						r.t.Fatal(err)
					}
					if err := os.WriteFile(f, []byte(config.EnvVaultTimeout+"="+testToken+"\n"), 0o644); err != nil {
						r.t.Fatal(err)
					}
				},
				sees:   []string{"WARN claude-launch: config file ~/.config/claude-launch/config line 1: CLAUDE_LAUNCH_VAULT_TIMEOUT (its value is not shown: it could be a credential) is not a positive duration up to 1m, such as 2s or 10m; using 2s; if it is a credential, remove it from the file and make a new one: others may have read it"},
				claude: "setup token", fate: "written, 0600"},
			{name: "`CLAUDE_LAUNCH_CONFIG` names a file that does not exist", server: "vault",
				setup:  func(r *faultRun) { r.env = append(r.env, config.EnvConfig+"="+filepath.Join(r.home, "nope")) },
				sees:   []string{`WARN claude-launch: CLAUDE_LAUNCH_CONFIG="~/nope" does not exist, so none of its settings apply: create it, or unset CLAUDE_LAUNCH_CONFIG`},
				claude: "setup token", fate: "written, 0600"},
			{name: "`HOME` unset", sync: true, server: "vault",
				setup: func(r *faultRun) { r.env = append(r.env, "HOME=") },
				sees:  []string{"ERRO claude-auth-sync: HOME is not set, or not an absolute path, so claude-auth-sync cannot find your env file or its state: set HOME (systemd user units have it; a system unit needs Environment=HOME=…), or set CLAUDE_LAUNCH_ENV_FILE and CLAUDE_LAUNCH_STATE_DIR"},
				exit:  1, fate: "none, none written"},
		}},
		{"Everyday faults", []fault{
			{name: "at the first launch, nothing listens at VAULT_ADDR", server: "down",
				sees:   []string{launchWarn("claude-auth-sync", "vault at http://127.0.0.1:1 is unreachable (dial tcp 127.0.0.1:1: connect: connection refused); check VAULT_ADDR and that the server runs")},
				claude: "own login", fate: "none, none written"},
			{name: "at the first launch, Vault does not know the Vault token (expired, revoked, mistyped)", server: "vault",
				setup: func(r *faultRun) { r.env = append(r.env, "VAULT_TOKEN=hvs.expired") },
				sees: []string{launchWarn("claude-auth-sync", "vault at http://127.0.0.1:PORT does not know the Vault token in VAULT_TOKEN "+
					"(it expired, was revoked, or was never issued): log in again (`vault login`), "+
					"and unset VAULT_TOKEN or set it to the new token")},
				claude: "own login", fate: "none, none written"},
			{name: "at the first launch, the Vault token may not read the path", server: "vault",
				setup: func(r *faultRun) {
					r.env = append(r.env, "VAULT_TOKEN="+r.token(testenv.UserPolicy("someone-else"), false))
				},
				sees: []string{launchWarn("claude-auth-sync",
					"vault denied reading secret/users/USER/claude (403): your Vault token's policies do not allow it; ask the operator for one that does")},
				claude: "own login", fate: "none, none written"},
			{name: "by hand, the Vault token may read the path but not look itself up (no `default` policy)", sync: true, file: true, server: "vault",
				setup: func(r *faultRun) { r.env = append(r.env, "VAULT_TOKEN="+r.token(testenv.UserPolicy(r.me), true)) },
				sees: []string{"WARN claude-auth-sync: vault at http://127.0.0.1:PORT denied looking up your Vault token (403), " +
					"so the timer cannot keep it alive: " +
					"ask the operator for the `default` policy next to yours, or log in again (`vault login`) before it ends", unchanged},
				fate: "kept, byte for byte"},
			{name: "by hand, Vault's certificate is not trusted here", sync: true, file: true, server: "tls",
				sees: []string{syncErr("vault at https://127.0.0.1:PORT presented a certificate that is not trusted here (tls: failed to verify certificate: x509: certificate signed by unknown authority); set VAULT_CACERT to the CA certificate that signed it")},
				exit: 1, fate: "kept, byte for byte"},
			{name: "the env file is readable by others (mode 0644)", file: true,
				setup: func(r *faultRun) {
					if err := os.Chmod(r.envFile, 0o644); err != nil {
						r.t.Fatal(err)
					}
				},
				sees:   []string{"WARN claude-launch: env file ~/.config/claude-auth-sync/claude-oauth.env: insecure file: group or others can access it (mode 0644); run `chmod 600 ~/.config/claude-auth-sync/claude-oauth.env`; starting claude with its own login"},
				claude: "own login", fate: "kept, byte for byte"},
		}},
	}
}

// token makes a Vault token with policy (HCL), and without the default
// policy when noDefault.
func (r *faultRun) token(policy string, noDefault bool) string {
	name := "fault-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := r.vault.Client.Sys().PutPolicy(name, policy); err != nil {
		r.t.Fatal(err)
	}
	s, err := r.vault.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{name}, NoParent: true, NoDefaultPolicy: noDefault})
	if err != nil {
		r.t.Fatal(err)
	}
	return s.Auth.ClientToken
}

// TestFaultTable runs every fault of the fault table against the
// real programs, a real Vault on loopback and, for answers a real Vault
// cannot be made to give, a fake; checks what the person sees word for
// word, the exit status, that the wait is bounded, which login claude starts
// with, and what became of the env file; and checks that the table in
// docs/how-it-works.md says exactly that (-update, or make docs, rewrites it).
func TestFaultTable(t *testing.T) {
	v, me, userToken := testenv.StartUserVault(t)
	tok, _ := token.NewSecret(testToken)
	var table strings.Builder
	for ci, class := range faultClasses() {
		table.WriteString("\n### " + strconv.Itoa(ci+1) + ". " + class.title + "\n\n")
		table.WriteString("| fault | what you see, word for word | exit | time | claude starts with | env file |\n| --- | --- | --- | --- | --- | --- |\n")
		for _, f := range class.faults {
			t.Run(f.name, func(t *testing.T) {
				row := runFault(t, f, v, me, userToken, tok)
				table.WriteString(row)
			})
		}
	}
	testenv.CheckDocSection(t, "docs/how-it-works.md", "FAULT TABLE", table.String(), *update)
}

func runFault(t *testing.T, f fault, v *testenv.VaultServer, me, userToken string, tok token.Secret) string {
	home := t.TempDir()
	r := &faultRun{t: t, home: home, vault: v, me: me, dir: home}
	r.envFile = config.DefaultEnvFile(func(k string) string { return map[string]string{"HOME": home}[k] })
	(&kvV2{r}).reset(tok)
	if f.file {
		if err := store.WriteEnvFile(r.envFile, tok); err != nil {
			t.Fatal(err)
		}
	}
	addr := v.Addr
	switch {
	case f.handler != nil:
		srv := httptest.NewServer(f.handler)
		t.Cleanup(srv.Close)
		addr = srv.URL
	case f.server == "down":
		addr = "http://127.0.0.1:1"
	case f.server == "tls":
		srv := httptest.NewUnstartedServer(http.NotFoundHandler())
		srv.Config.ErrorLog = discardLog()
		srv.StartTLS()
		t.Cleanup(srv.Close)
		addr = srv.URL
	}
	fake := fakeDir(home)
	writeExe(t, filepath.Join(fake, "claude"), fakeClaude)
	base := []string{"HOME=" + home, "PATH=" + binDir + ":" + fake + ":/usr/bin:/bin", config.EnvClaude + "=" + filepath.Join(fake, "claude"),
		"VAULT_ADDR=" + addr, "VAULT_TOKEN=" + userToken}
	base = testenv.CoverEnv(base)
	if f.setup != nil {
		f.setup(r)
	}
	before, beforeErr := os.ReadFile(r.envFile)

	prog, args := filepath.Join(binDir, "claude-launch"), f.args
	if f.sync {
		f.command = "sync"
	}
	byHand := f.command != ""
	if byHand {
		prog, args = filepath.Join(binDir, "claude-auth-sync"), append([]string{f.command}, f.args...)
	}
	// A regression that waits without bound fails the row, not the run.
	ctx, cancel := context.WithTimeout(context.Background(), f.waits+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Env = append(base, r.env...) // later values win in os/exec
	cmd.Dir = r.dir
	cmd.Stdin = strings.NewReader(f.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	_ = cmd.Run()
	elapsed := time.Since(start)
	if r.after != nil {
		r.after()
	}

	norm := func(s string) string { return normalize(s, home, me, tok) }
	if strings.Contains(stdout.String()+stderr.String(), "TESTtokenVALUE") {
		t.Error("the token reached stdout or stderr")
	}
	var sees []string
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if l != "" {
			sees = append(sees, norm(l))
		}
	}
	claude := ""
	if byHand {
		for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
			if l != "" {
				sees = append(sees, norm(l))
			}
		}
	} else {
		switch {
		case strings.Contains(stdout.String(), "token="+fingerprint.Of(tok)):
			claude = "setup token"
		case strings.Contains(stdout.String(), "token=unset"):
			claude = "own login"
		default:
			claude = "did not start: " + stdout.String()
		}
	}
	if strings.Join(sees, "\n") != strings.Join(f.sees, "\n") {
		t.Errorf("sees\n%s\nwant\n%s", strings.Join(sees, "\n"), strings.Join(f.sees, "\n"))
	}
	if code := cmd.ProcessState.ExitCode(); code != f.exit {
		t.Errorf("exit %d, want %d", code, f.exit)
	}
	if claude != f.claude {
		t.Errorf("claude starts with %q, want %q", claude, f.claude)
	}
	// Bounded, not timed: a loaded two-core machine may be slow, but never
	// by a margin like this.
	if limit := f.waits + 10*time.Second; elapsed > limit {
		t.Errorf("took %s, more than %s", elapsed, limit)
	}
	after, afterErr := os.ReadFile(r.envFile)
	fate := ""
	switch {
	case beforeErr == nil && afterErr == nil && bytes.Equal(before, after):
		fate = "kept, byte for byte"
	case beforeErr == nil && os.IsNotExist(afterErr):
		fate = "removed"
	case os.IsNotExist(beforeErr) && afterErr == nil:
		if fi, _ := os.Stat(r.envFile); fi.Mode().Perm() == 0o600 {
			fate = "written, 0600"
		}
	case os.IsNotExist(beforeErr) && os.IsNotExist(afterErr):
		fate = "none, none written"
	}
	if !r.ownFate && (!strings.HasPrefix(f.fate, fate) || fate == "") {
		t.Errorf("env file: %q, want %q", fate, f.fate)
	}

	timeCell := "at once"
	if f.waits > 0 {
		timeCell = "the bound, " + config.FormatDuration(f.waits)
	}
	exitCell := itoa(f.exit)
	claudeCell := "—"
	if !byHand {
		exitCell = "claude's"
		claudeCell = map[string]string{"setup token": "the setup token", "own login": "its own login"}[f.claude]
	}
	prog = "`claude-launch`"
	if byHand {
		prog = "`claude-auth-sync " + f.command + "`"
	}
	seesCell := "nothing"
	if len(f.sees) > 0 {
		var q []string
		for _, s := range f.sees {
			q = append(q, "`"+strings.ReplaceAll(s, "`", "'")+"`")
		}
		seesCell = strings.Join(q, "<br>")
	}
	return "| " + cell(f.name) + " (" + prog + ") | " + cell(seesCell) + " | " + exitCell + " | " + timeCell + " | " + claudeCell + " | " + cell(f.fate) + " |\n"
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func itoa(n int) string { return strconv.Itoa(n) }

// discardLog silences a test server's log of the TLS handshakes that the
// client rightly refuses.
func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

var (
	portRe = regexp.MustCompile(`(https?://127\.0\.0\.1):[0-9]{2,5}`)
	keepRe = regexp.MustCompile(`127\.0\.0\.1:1\b`)
)

// normalize makes a message comparable across runs: the home directory is
// ~, loopback ports are PORT (but the deliberately closed :1), the user is
// USER, the token's fingerprint is FP.
func normalize(s, home, me string, tok token.Secret) string {
	s = strings.ReplaceAll(s, home, "~")
	s = portRe.ReplaceAllStringFunc(s, func(m string) string {
		if keepRe.MatchString(m) {
			return m
		}
		return m[:strings.LastIndex(m, ":")] + ":PORT"
	})
	s = strings.ReplaceAll(s, "users/"+me+"/", "users/USER/")
	return strings.ReplaceAll(s, fingerprint.Of(tok), "FP")
}

// kvV2 changes the user's secret in the real Vault, as an operator would.
type kvV2 struct{ r *faultRun }

func (k *kvV2) path() string { return "users/" + k.r.me + "/claude" }

// unchanged returns a check, for after, that the secret is still at the
// version it is at now.
func (k *kvV2) unchanged() func() {
	version := func() int {
		s, err := k.r.vault.Client.KVv2("secret").GetMetadata(context.Background(), k.path())
		if err != nil {
			k.r.t.Fatal(err)
		}
		return s.CurrentVersion
	}
	before := version()
	return func() {
		if v := version(); v != before {
			k.r.t.Errorf("Vault was written: version %d, was %d", v, before)
		}
	}
}

func (k *kvV2) reset(tok token.Secret) {
	k.deleteMetadata()
	k.put(map[string]any{"setup_token": tok.Reveal()})
}

func (k *kvV2) put(data map[string]any) {
	if _, err := k.r.vault.Client.KVv2("secret").Put(context.Background(), k.path(), data); err != nil {
		k.r.t.Fatal(err)
	}
}

func (k *kvV2) deleteMetadata() {
	if err := k.r.vault.Client.KVv2("secret").DeleteMetadata(context.Background(), k.path()); err != nil {
		k.r.t.Fatal(err)
	}
}

func (k *kvV2) deleteVersion() {
	if err := k.r.vault.Client.KVv2("secret").Delete(context.Background(), k.path()); err != nil {
		k.r.t.Fatal(err)
	}
}

// reply answers every request with status and body.
func reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// onRead answers the preflight as a real Vault with a KV v2 mount at
// secret/ does, and the read itself with h.
func onRead(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/sys/internal/ui/mounts/") {
			_, _ = w.Write([]byte(`{"request_id":"r","data":{"path":"secret/","type":"kv","options":{"version":"2"}},"wrap_info":null,"warnings":null,"auth":null}`))
			return
		}
		h(w, r)
	}
}

func fakeDir(home string) string { return filepath.Join(home, "fake") }

func writeExe(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

func copyExe(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	writeExe(t, dst, string(b))
}
