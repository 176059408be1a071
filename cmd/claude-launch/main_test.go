package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rogpeppe/go-internal/testscript"
)

// binDir holds the three programs built for the tests: real
// binaries, so that exec, PID and PATH behave as installed.
var binDir string

// scriptsDir is the repository's scripts/.
var scriptsDir, _ = filepath.Abs(filepath.Join("..", "..", "scripts"))

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

// prebuiltEnv names a directory of claude-launch and claude-auth-sync
// binaries to test instead of building them: how one shows that a test
// fails on an older build.
const prebuiltEnv = "CLAUDE_LAUNCH_TEST_PREBUILT"

func testMain(m *testing.M) int {
	flag.Parse()
	if dir := os.Getenv(prebuiltEnv); dir != "" {
		binDir = dir
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "claude-launch-test-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := testenv.BuildCommands(dir, "github.com/claude-launch/claude-launch/cmd/claude-launch", "github.com/claude-launch/claude-launch/cmd/claude-auth-sync",
		"github.com/claude-launch/claude-launch/cmd/t3-serve-launch"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	binDir = dir
	return m.Run()
}

// fakeClaude prints what it was given: argv, whether its PID is its
// launcher's, the token's fingerprint (never the token), the recursion
// marker; it exits with $FAKE_EXIT. Asked --version alone, it also says
// a version, and `auth status --json` its authMethod, as claude does.
const fakeClaude = `#!/bin/sh
if [ "$*" = "auth status --json" ]; then
  [ -n "$CLAUDE_CODE_OAUTH_TOKEN" ] && echo '{"authMethod": "oauth_token"}' || echo '{"authMethod": "none"}'
  exit 0
fi
printf 'argv:'; for a in "$@"; do printf ' [%s]' "$a"; done; echo
[ "$*" = --version ] && echo "2.1.332 (Claude Code)"
[ -n "$WRAPPER_PID" ] && { [ "$WRAPPER_PID" = "$$" ] && echo samepid || echo otherpid; }
if [ -n "$CLAUDE_CODE_OAUTH_TOKEN" ]; then
  echo "token=$(printf %s "$CLAUDE_CODE_OAUTH_TOKEN" | sha256sum | cut -c1-8)"
else
  echo token=unset
fi
echo "depth=$CLAUDE_LAUNCH_DEPTH"
echo "oom_score_adj=$(cat /proc/self/oom_score_adj)"
echo "sigign=$(awk '/^SigIgn/{print $2}' /proc/$$/status)"
exit ${FAKE_EXIT:-0}
`

// testToken is a well-formed fake setup token; TESTtokenVALUE is what the
// scripts look for to prove it never leaks.
const testToken = token.Prefix + "TESTtokenVALUE_0123456789-abcdefABCDEF"

// newToken is the token a rotation brings.
const newToken = token.Prefix + "TESTtokenVALUE_rotated-9876543210"

func TestScripts(t *testing.T) {
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	fp, _ := token.NewSecret(testToken)
	newFP, _ := token.NewSecret(newToken)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			fake := filepath.Join(e.WorkDir, "fake", "claude")
			if err := os.MkdirAll(filepath.Dir(fake), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(fake, []byte(fakeClaude), 0o755); err != nil {
				return err
			}
			home := filepath.Join(e.WorkDir, "home")
			e.Setenv("HOME", home)
			e.Setenv("PATH", binDir+":"+filepath.Dir(fake)+":/usr/local/bin:/usr/bin:/bin")
			e.Setenv("BIN", binDir)
			e.Setenv("SCRIPTS", scriptsDir)
			e.Setenv("ENVFILE", filepath.Join(home, ".config", "claude-auth-sync", "claude-oauth.env"))
			e.Setenv("TOKEN", testToken)
			e.Setenv("FP", fingerprint.Of(fp))
			// Dates ahead of the day the tests run, for --expires.
			e.Setenv("IN_HALF_A_YEAR", time.Now().AddDate(0, 6, 0).UTC().Format(time.DateOnly))
			e.Setenv("IN_A_YEAR", time.Now().AddDate(1, 0, 0).UTC().Format(time.DateOnly))
			e.Setenv("NEWFP", fingerprint.Of(newFP))
			if err := os.WriteFile(filepath.Join(e.WorkDir, "new-token"), []byte(newToken+"\n"), 0o600); err != nil {
				return err
			}
			if err := os.Chmod(filepath.Join(e.WorkDir, "agent", "claude"), 0o755); err != nil && !os.IsNotExist(err) {
				return err
			}
			e.Setenv("USER_NAME", me.Username)
			e.Setenv("REAL_CLAUDE", testenv.ClaudePath())
			if d := testenv.CoverDir(); d != "" {
				e.Setenv("GOCOVERDIR", d)
			}
			e.Values[vaultKey{}] = &vaultHolder{}
			e.Values[lockKey{}] = &lockHolder{}
			return os.MkdirAll(home, 0o755)
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "vault":
				return have(testenv.VaultPath(), "the vault binary (make tools)")
			case "claude":
				return have(testenv.ClaudePath(), "the claude CLI (make tools)")
			case "root":
				return os.Geteuid() == 0, nil
			case "tmux":
				p, _ := exec.LookPath("tmux")
				return have(p, "tmux (apt-get install tmux, or make tools)")
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"vault-start": cmdVaultStart,
			"vault-put":   cmdVaultPut,
			"vault-reads": cmdVaultReads,
			"vault-get":   cmdVaultGet,
			"envfile":     cmdEnvFile,
			"vault-hang":  cmdVaultHang,
			"envlock":     cmdEnvLock,
			"metric":      cmdMetric,
			"tmux-world":  cmdTmuxWorld,
		},
	})
}

// have reports whether a tool is present; absent while CI requires tools,
// it is an error, so the script fails instead of skipping.
func have(path, what string) (bool, error) {
	if path == "" && os.Getenv(testenv.RequireEnv) == "1" {
		return false, fmt.Errorf("%s is required (%s=1) but missing", what, testenv.RequireEnv)
	}
	return path != "", nil
}

// vaultKey holds, in each script's values, the *vaultHolder of its Vault.
type vaultKey struct{}

type vaultHolder struct{ v *testenv.VaultServer }

func vaultOf(ts *testscript.TestScript) *testenv.VaultServer {
	return ts.Value(vaultKey{}).(*vaultHolder).v
}

// vault-start [write]: start a dev Vault; set VAULT_ADDR and VAULT_TOKEN (a
// token that may read only this user's secret, or also write it) and write
// no ~/.vault-token.
func cmdVaultStart(ts *testscript.TestScript, neg bool, args []string) {
	dir := ts.MkAbs("vault")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		ts.Fatalf("%v", err)
	}
	v, err := testenv.StartVaultIn(testenv.VaultPath(), dir)
	if err != nil {
		ts.Fatalf("%v", err)
	}
	ts.Defer(v.Stop)
	ts.Value(vaultKey{}).(*vaultHolder).v = v
	policy := testenv.UserPolicy(ts.Getenv("USER_NAME"))
	if len(args) == 1 && args[0] == "write" {
		policy = testenv.UserWritePolicy(ts.Getenv("USER_NAME"))
	}
	tok, err := v.Token(policy)
	if err != nil {
		ts.Fatalf("%v", err)
	}
	ts.Setenv("VAULT_ADDR", v.Addr)
	ts.Setenv("VAULT_TOKEN", tok)
}

// vault-put mount path field=value...: write a secret as root (KV version
// of the mount); `vault-put secret users/x/claude` with no fields deletes.
func cmdVaultPut(ts *testscript.TestScript, neg bool, args []string) {
	v := vaultOf(ts)
	if v == nil || len(args) < 2 {
		ts.Fatalf("usage: vault-start; vault-put mount path [field=value...]")
	}
	data := map[string]any{}
	for _, kv := range args[2:] {
		k, val, _ := strings.Cut(kv, "=")
		data[k] = val
	}
	var err error
	switch {
	case len(data) == 0 && args[0] == "kv1":
		err = v.Client.KVv1(args[0]).Delete(context.Background(), args[1])
	case len(data) == 0:
		err = v.Client.KVv2(args[0]).DeleteMetadata(context.Background(), args[1])
	case args[0] == "kv1":
		err = v.Client.KVv1(args[0]).Put(context.Background(), args[1], data)
	default:
		_, err = v.Client.KVv2(args[0]).Put(context.Background(), args[1], data)
	}
	if err != nil {
		ts.Fatalf("vault-put: %v", err)
	}
}

// vault-get path key VAR: set VAR to the KV version 2 secret's version
// (key "version") or to one of its fields, read as root; never the token.
func cmdVaultGet(ts *testscript.TestScript, neg bool, args []string) {
	v := vaultOf(ts)
	if v == nil || len(args) != 3 || args[1] == "setup_token" {
		ts.Fatalf("usage: vault-start; vault-get path version|field VAR (not the token)")
	}
	sec, err := v.Client.KVv2("secret").Get(context.Background(), args[0])
	if err != nil {
		ts.Fatalf("vault-get: %v", err)
	}
	val := strconv.Itoa(sec.VersionMetadata.Version)
	if args[1] != "version" {
		val, _ = sec.Data[args[1]].(string)
	}
	ts.Setenv(args[2], val)
}

// vault-reads path n: the audit log shows exactly n reads of path.
func cmdVaultReads(ts *testscript.TestScript, neg bool, args []string) {
	v := vaultOf(ts)
	if v == nil || len(args) != 2 {
		ts.Fatalf("usage: vault-reads path n")
	}
	n, err := v.Reads(args[0])
	if err != nil {
		ts.Fatalf("%v", err)
	}
	if strconv.Itoa(n) != args[1] {
		ts.Fatalf("vault audit log: %d reads of %s, want %s", n, args[0], args[1])
	}
}

// envfile content mode: write the env file with $TOKEN expanded from the
// script's environment, so the token never sits in a txtar comparison.
func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: envfile content mode")
	}
	p := ts.Getenv("ENVFILE")
	mode, err := strconv.ParseUint(args[1], 8, 32)
	if err != nil {
		ts.Fatalf("%v", err)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		ts.Fatalf("%v", err)
	}
	content := strings.ReplaceAll(args[0], "\\n", "\n")
	_ = os.Remove(p) // a fresh file: owner and mode as asked
	if err := os.WriteFile(p, []byte(content), os.FileMode(mode)); err != nil {
		ts.Fatalf("%v", err)
	}
	if err := os.Chmod(p, os.FileMode(mode)); err != nil {
		ts.Fatalf("%v", err)
	}
}

// vault-hang: point VAULT_ADDR at a server that accepts and never answers,
// a fault a real Vault cannot be made to produce on demand.
func cmdVaultHang(ts *testscript.TestScript, neg bool, args []string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	ts.Defer(srv.Close)
	ts.Setenv("VAULT_ADDR", srv.URL)
	ts.Setenv("VAULT_TOKEN", "any")
}

// lockKey holds, in each script's values, the *lockHolder of envlock.
type lockKey struct{}

type lockHolder struct{ unlock func() }

// envlock hold|release: take or release the lock claude-auth-sync takes
// before it reads Vault, so that a script can make launchers queue on it
// together and prove that only the first one reads Vault.
func cmdEnvLock(ts *testscript.TestScript, neg bool, args []string) {
	h := ts.Value(lockKey{}).(*lockHolder)
	switch {
	case len(args) == 1 && args[0] == "hold" && h.unlock == nil:
		p := ts.Getenv("ENVFILE")
		if err := store.EnsureDir(filepath.Dir(p), store.EnvFileHint); err != nil {
			ts.Fatalf("%v", err)
		}
		unlock, err := store.Lock(context.Background(), p+".lock")
		if err != nil {
			ts.Fatalf("%v", err)
		}
		h.unlock = unlock
		ts.Defer(func() {
			if h.unlock != nil {
				h.unlock()
			}
		})
	case len(args) == 1 && args[0] == "release" && h.unlock != nil:
		h.unlock()
		h.unlock = nil
	default:
		ts.Fatalf("usage: envlock hold, then envlock release")
	}
}

// metric file name labels value: the metrics file, parsed as Prometheus
// parses it (expfmt, not grep), has the sample name{labels} = value;
// labels is k=v,k=v or -. With !, it has no sample of that name.
func cmdMetric(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 && !(neg && len(args) == 2) {
		ts.Fatalf("usage: metric file name labels value")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	if err != nil {
		ts.Fatalf("%v", err)
	}
	defer f.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(f)
	if err != nil {
		ts.Fatalf("metrics do not parse: %v", err)
	}
	fam, ok := families[args[1]]
	if neg {
		if ok {
			ts.Fatalf("metric %s present", args[1])
		}
		return
	}
	if !ok {
		ts.Fatalf("no metric %s", args[1])
	}
	want := map[string]string{}
	if args[2] != "-" {
		for _, kv := range strings.Split(args[2], ",") {
			k, v, _ := strings.Cut(kv, "=")
			want[k] = v
		}
	}
	for _, m := range fam.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			if got[k] != v {
				match = false
			}
		}
		if !match {
			continue
		}
		var v float64
		switch {
		case m.Gauge != nil:
			v = m.GetGauge().GetValue()
		case m.Counter != nil:
			v = m.GetCounter().GetValue()
		}
		if strconv.FormatFloat(v, 'g', -1, 64) != args[3] && !(args[3] == ">0" && v > 0) {
			ts.Fatalf("%s{%s} = %v, want %s", args[1], args[2], v, args[3])
		}
		return
	}
	ts.Fatalf("no %s{%s}", args[1], args[2])
}

// tmux-world: give the script a tmux server of its own (TMUX_TMPDIR in its
// work directory), killed when the script ends, pass or fail.
func cmdTmuxWorld(ts *testscript.TestScript, neg bool, args []string) {
	dir := ts.MkAbs("tmux")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		ts.Fatalf("%v", err)
	}
	ts.Setenv("TMUX_TMPDIR", dir)
	ts.Setenv("TMUX", "")
	ts.Defer(func() {
		cmd := exec.Command("tmux", "kill-server")
		cmd.Env = append(os.Environ(), "TMUX_TMPDIR="+dir)
		_ = cmd.Run()
	})
}
