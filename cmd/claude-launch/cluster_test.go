package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
)

// TestVaultCluster runs claude-launch against Vault in its production
// shape: three nodes on loopback with integrated storage (raft) and TLS
// from a CA made for the run, initialised and unsealed by the test, set up
// by scripts/vault/setup.sh as an operator runs it, used by people logged
// in with userpass (never root) through a standby, as the CLI may be.
func TestVaultCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("a three-node Vault cluster takes about 20 s; not in -short")
	}
	c := testenv.StartCluster(t, 3)
	f := newFleet(t, c, "alice", "bob", "carol")
	t.Run("policy", f.policy)
	t.Run("failover", f.failover)
	t.Run("unjoined", f.unjoined)
	t.Run("sealed", f.sealed)
}

// fleet is the cluster with the operator's set-up done and people on it.
type fleet struct {
	t      testing.TB
	c      *testenv.Cluster
	path   string            // PATH with the vault CLI
	login  map[string]string // user → their userpass login token
	claude string            // the fake claude
}

func newFleet(t testing.TB, c *testenv.Cluster, users ...string) *fleet {
	f := &fleet{t: t, c: c, path: binDir + ":" + filepath.Dir(testenv.VaultPath()) + ":/usr/bin:/bin", login: map[string]string{},
		claude: filepath.Join(t.TempDir(), "claude")}
	if err := os.WriteFile(f.claude, []byte(fakeClaude), 0o755); err != nil {
		t.Fatal(err)
	}
	setup := filepath.Join(scriptsDir, "vault", "setup.sh")
	admin := []string{"VAULT_ADDR=" + c.Nodes[c.Leader()].Addr, "VAULT_CACERT=" + c.CA.File, "VAULT_TOKEN=" + c.RootToken,
		"PATH=" + f.path, "HOME=" + t.TempDir()}
	// The first run makes what a cluster without -dev lacks; the second
	// finds it there.
	for _, want := range [][]string{{"mount secret/: made (KV version 2)", "auth method userpass/: enabled"}, {"mount secret/: there", "auth method userpass/: there"}} {
		out, err := f.run(admin, "", setup)
		if err != nil || !strings.Contains(out, want[0]) || !strings.Contains(out, want[1]) || !strings.Contains(out, "policy claude-launch: written") {
			t.Fatalf("setup.sh: %v, want %q\n%s", err, want, out)
		}
	}
	standby := c.Nodes[c.Standbys()[0]]
	for _, u := range users {
		if _, err := f.run(admin, "pw-"+u+"\n", setup, "user", u); err != nil {
			t.Fatal(err)
		}
		s, err := c.Client(standby).Logical().Write("auth/userpass/login/"+u, map[string]any{"password": "pw-" + u})
		if err != nil {
			t.Fatalf("login %s at a standby: %v", u, err)
		}
		f.login[u] = s.Auth.ClientToken
	}
	return f
}

// env is u's environment, on secretOf's path (the test runs as one OS
// user, so the path names the person), with VAULT_ADDR at node.
func (f *fleet) env(u, secretOf string, node *testenv.Node, home string) []string {
	return testenv.CoverEnv([]string{"HOME=" + home, "PATH=" + f.path,
		"VAULT_ADDR=" + node.Addr, "VAULT_CACERT=" + f.c.CA.File, "VAULT_TOKEN=" + f.login[u],
		config.EnvVaultPath + "=users/" + secretOf + "/claude", config.EnvClaude + "=" + f.claude})
}

func (f *fleet) run(env []string, stdin, name string, args ...string) (string, error) {
	out, _, err := f.run2(env, stdin, name, args...)
	return out, err
}

// run2 runs a program and returns its stdout and stderr.
func (f *fleet) run2(env []string, stdin, name string, args ...string) (string, string, error) {
	if !filepath.IsAbs(name) {
		name = filepath.Join(binDir, name)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func fleetToken(s string) string { return token.Prefix + "TESTfleet_" + s + "_0123456789" }

// policy: two people, each with their own login token, can enable,
// rotate, see and disable their own setup token; neither can read, write,
// list or delete the other's.
func (f *fleet) policy(t *testing.T) {
	standby := f.c.Nodes[f.c.Standbys()[0]]
	for _, u := range []string{"alice", "bob"} {
		env := f.env(u, u, standby, t.TempDir())
		if out, err := f.run(env, fleetToken(u+"1")+"\n", "claude-auth-sync", "enable"); err != nil || !strings.Contains(out, "stored the setup token") {
			t.Fatalf("%s enable: %v\n%s", u, err, out)
		}
		if out, _ := f.run(env, "", "claude-auth-sync", "status", "--json"); !strings.Contains(out, `"has_setup_token": true`) {
			t.Errorf("%s status does not see the token:\n%s", u, out)
		}
		if out, err := f.run(env, fleetToken(u+"2")+"\n", "claude-auth-sync", "rotate"); err != nil {
			t.Errorf("%s rotate: %v\n%s", u, err, out)
		}
	}
	// Alice on Bob's path: every command is denied, and says so.
	env := f.env("alice", "bob", standby, t.TempDir())
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"sync"}, "vault denied reading secret/users/bob/claude (403)"},
		{fleetToken("evil") + "\n", []string{"enable"}, "vault denied writing secret/users/bob/claude (403)"},
		{"", []string{"disable"}, "vault denied writing secret/users/bob/claude (403)"},
	} {
		_, stderr, err := f.run2(env, c.stdin, "claude-auth-sync", c.args...)
		if err == nil || !strings.Contains(stderr, c.want) {
			t.Errorf("alice %v on bob's path: %v %q, want an error with %q", c.args, err, stderr, c.want)
		}
	}
	ac, err := f.c.Client(standby).Clone()
	if err != nil {
		t.Fatal(err)
	}
	ac.SetToken(f.login["alice"])
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
	root := f.c.Root(standby)
	if s, err := root.KVv2("secret").Get(ctx, "users/bob/claude"); err != nil || s.Data["setup_token"] != fleetToken("bob2") {
		t.Errorf("bob's secret changed: %v", err)
	}
	for _, u := range []string{"alice", "bob"} {
		if out, err := f.run(f.env(u, u, standby, t.TempDir()), "", "claude-auth-sync", "disable"); err != nil {
			t.Errorf("%s disable: %v\n%s", u, err, out)
		}
	}
}

// outcome is one run of a program during the failover.
type outcome struct {
	who, prog string
	start     time.Time
	took      time.Duration
	stdout    string
	stderr    string
	err       error
}

// failover: the active node is killed while launches and syncs run.
func (f *fleet) failover(t *testing.T) {
	c := f.c
	standbys := c.Standbys()
	type person struct {
		name, home, envFile string
		env                 []string
		want                token.Secret
	}
	var people []*person
	for i, u := range []string{"alice", "bob", "carol"} {
		home := t.TempDir()
		p := &person{name: u, home: home, envFile: config.DefaultEnvFile(func(k string) string { return map[string]string{"HOME": home}[k] }),
			env: f.env(u, u, c.Nodes[standbys[i%2]], home)}
		p.env = append(p.env, config.EnvNegativeTTL+"=1ns")
		p.want, _ = token.NewSecret(fleetToken(u + "-failover"))
		if out, err := f.run(p.env, p.want.Reveal()+"\n", "claude-auth-sync", "enable"); err != nil {
			t.Fatalf("%s enable: %v\n%s", u, err, out)
		}
		people = append(people, p)
	}
	alice, bob, carol := people[0], people[1], people[2]
	// Carol starts cold: no env file, every launch asks Vault.
	if err := os.Remove(carol.envFile); err != nil {
		t.Fatal(err)
	}

	var (
		mu       sync.Mutex
		outcomes []outcome
		stop     atomic.Bool
		syncs    atomic.Int64
		launches atomic.Int64
		wg       sync.WaitGroup
	)
	record := func(p *person, prog string, args ...string) outcome {
		start := time.Now()
		stdout, stderr, err := f.run2(p.env, "", prog, args...)
		o := outcome{who: p.name, prog: prog, start: start, took: time.Since(start), stdout: stdout, stderr: stderr, err: err}
		mu.Lock()
		outcomes = append(outcomes, o)
		mu.Unlock()
		return o
	}
	wg.Go(func() { // the env files, read without pause: never lost, torn or changed
		for !stop.Load() {
			for _, p := range []*person{alice, bob} {
				s, err := token.ReadEnvFile(p.envFile, config.SyncCommand)
				switch {
				case errors.Is(err, fs.ErrNotExist):
					t.Errorf("%s's env file was lost", p.name)
				case err != nil:
					t.Errorf("%s's env file is torn or refused: %v", p.name, err)
				case fingerprint.Of(s) != fingerprint.Of(p.want):
					t.Errorf("%s's env file changed to another token", p.name)
				}
			}
			time.Sleep(time.Millisecond)
		}
	})
	for _, p := range people {
		wg.Go(func() { // launches: warm for alice and bob, cold for carol
			for !stop.Load() || launches.Load() < 200 {
				if p == carol {
					_ = os.Remove(p.envFile)
				}
				record(p, "claude-launch")
				launches.Add(1)
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	// The timers sync every 100 ms: 50 syncs at least, and on after the kill
	// until four have succeeded since (or a minute has passed), however
	// long the election takes on a loaded machine.
	var killedAt atomic.Int64 // UnixNano; 0 before the kill
	var okSinceKill atomic.Int64
	for _, p := range []*person{alice, bob} {
		wg.Go(func() {
			for syncs.Load() < 50 || killedAt.Load() == 0 || okSinceKill.Load() < 4 {
				if k := killedAt.Load(); k != 0 && time.Since(time.Unix(0, k)) > time.Minute {
					return
				}
				o := record(p, "claude-auth-sync", "sync")
				if k := killedAt.Load(); k != 0 && o.err == nil && o.start.UnixNano() > k {
					okSinceKill.Add(1)
				}
				syncs.Add(1)
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
	for syncs.Load() < 10 {
		time.Sleep(10 * time.Millisecond)
	}
	old := c.Nodes[c.Leader()]
	killed := time.Now()
	killedAt.Store(killed.UnixNano())
	c.Kill(old)
	elected := time.Duration(-1)
	for time.Since(killed) < 60*time.Second {
		if c.Leader() >= 0 {
			elected = time.Since(killed)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for syncs.Load() < 50 || okSinceKill.Load() < 4 && time.Since(killed) < time.Minute {
		time.Sleep(10 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()

	// What each person saw.
	bound := 2 * time.Second // config's default Vault timeout: a sync's bound
	var failed []outcome
	firstOK, lastFail := time.Duration(-1), time.Duration(-1)
	messages := map[string]int{}
	for _, o := range outcomes {
		for _, l := range strings.Split(strings.TrimSpace(o.stderr), "\n") {
			if l != "" {
				messages[o.prog+": "+ports.ReplaceAllString(l, "127.0.0.1:…")]++
			}
		}
		switch o.prog {
		case "claude-launch":
			p := map[string]*person{"alice": alice, "bob": bob, "carol": carol}[o.who]
			got := tokenLine.FindStringSubmatch(o.stdout)
			switch {
			case o.err != nil:
				t.Errorf("%s's launch failed: %v\n%s", o.who, o.err, o.stderr)
			case got == nil || got[1] != fingerprint.Of(p.want) && (p != carol || got[1] != "unset"):
				t.Errorf("%s's launch started claude with token %v, not theirs", o.who, got)
			case got[1] == "unset" && blamed(o.stderr, launchFailure) != old.Addr && !noActive.MatchString(strings.TrimSpace(o.stderr)):
				t.Errorf("%s's launch fell back to claude's own login without one clear line blaming the killed node (%s):\n%s", o.who, old.Addr, o.stderr)
			}
		case "claude-auth-sync":
			after := o.start.Sub(killed) + o.took
			if o.err == nil {
				if o.start.After(killed) && (firstOK < 0 || after < firstOK) {
					firstOK = after
				}
				continue
			}
			failed = append(failed, o)
			lastFail = max(lastFail, after)
			if blamed(o.stderr, syncFailure) != old.Addr && !noActive.MatchString(strings.TrimSpace(o.stderr)) {
				t.Errorf("a failed sync did not say one clear line blaming the killed node (%s):\n%s", old.Addr, o.stderr)
			}
			if o.took > bound+time.Second {
				t.Errorf("a failed sync took %s, past its bound of %s", o.took, bound)
			}
			if o.start.Add(o.took).Before(killed) {
				t.Errorf("a sync failed before the kill: %s", o.stderr)
			}
		}
	}
	var lines []string
	for m, n := range messages {
		lines = append(lines, fmt.Sprintf("%4d× %s", n, m))
	}
	slices.Sort(lines)
	t.Logf("what they said:\n%s", strings.Join(lines, "\n"))
	t.Logf("failover: %d launches and %d syncs; the active node killed; a new leader after %s; %d syncs failed, the last ending %s after the kill; the first to succeed after it ended %s after the kill",
		launches.Load(), syncs.Load(), elected.Round(10*time.Millisecond), len(failed), lastFail.Round(10*time.Millisecond), firstOK.Round(10*time.Millisecond))
	switch {
	case elected < 0:
		t.Fatal("no new leader within 60 s")
	case firstOK < 0:
		t.Error("no sync succeeded after the kill")
	case lastFail > elected+bound:
		t.Errorf("syncs still failed %s after the kill, past the election (%s) plus their bound", lastFail, elected)
	}
	if launches.Load() < 200 || syncs.Load() < 50 {
		t.Errorf("too little ran: %d launches, %d syncs", launches.Load(), syncs.Load())
	}
}

var (
	ports     = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	tokenLine = regexp.MustCompile(`(?m)^token=(\S+)$`)
	node      = `vault at https://127\.0\.0\.1:\d+ `
	// What is said while the active node is gone: everyone asks a standby
	// that survives, which sends the request on to the dead node.
	unreachable   = `sent the request on to its cluster's active node at (https://127\.0\.0\.1:\d+), which is unreachable \([^;]+\); the cluster may be electing a new leader: try again in a few seconds, and if it lasts ask the operator about that node`
	syncFailure   = regexp.MustCompile(`^ERRO claude-auth-sync: sync: ` + node + unreachable + `; the env file was left as it was$`)
	launchFailure = regexp.MustCompile(`^WARN claude-auth-sync: ` + node + unreachable + `; starting claude with its own login$`)
	// Or, in the election, a standby that knows no active node yet.
	noActive = regexp.MustCompile(`^(WARN|ERRO) claude-auth-sync: (sync: )?` + node + `is a standby that knows no active node to send the request on to ` +
		`\(500: [^)]*\): its cluster is electing a new leader; try again in a few seconds, and if it lasts ask the operator about the cluster; ` +
		`(starting claude with its own login|the env file was left as it was)$`)
)

// blamed is the node that s, one line that re matches, names as
// unreachable; "" when s is not such a line.
func blamed(s string, re *regexp.Regexp) string {
	s = strings.TrimSuffix(s, "\n")
	if m := re.FindStringSubmatch(s); m != nil && !strings.Contains(s, "\n") {
		return m[1]
	}
	return ""
}

// snapshot is what of the user's files a failure may not touch: the env
// file and claude's own directory (claude-auth-sync's state and negative
// cache record the failure, as they should), each file's mode,
// modification time and contents.
func snapshot(t *testing.T, home string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, root := range []string{filepath.Join(home, ".config", "claude-auth-sync", "claude-oauth.env"), filepath.Join(home, ".claude")} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			v := info.Mode().String() + " " + info.ModTime().String()
			if info.Mode().IsRegular() {
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				v += " " + string(b)
			}
			out[p] = v
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	return out
}

// synced is a home where alice's env file holds her token, fetched from
// the cluster while it serves.
func (f *fleet) synced(t *testing.T) string {
	home := t.TempDir()
	leader := f.c.Leader()
	if leader < 0 {
		t.Fatal("no active node")
	}
	env := f.env("alice", "alice", f.c.Nodes[leader], home)
	if out, err := f.run(env, fleetToken("alice-after")+"\n", "claude-auth-sync", "enable"); err != nil {
		t.Fatalf("enable: %v\n%s", err, out)
	}
	if len(snapshot(t, home)) == 0 {
		t.Fatal("no env file after enable")
	}
	return home
}

// unchanged runs claude-auth-sync sync and claude-launch as alice, in
// home, against node and checks that each says want ({addr} stands for
// the node's address) in one line, and that her env file and claude's files
// are as they were.
func (f *fleet) unchanged(t *testing.T, home string, node *testenv.Node, want string) {
	env := f.env("alice", "alice", node, home)
	before := snapshot(t, home)
	for _, c := range []struct {
		prog, args, prefix, suffix string
		fails                      bool
	}{
		{"claude-auth-sync", "sync", "ERRO claude-auth-sync: sync: ", "; the env file was left as it was", true},
		{"claude-launch", "", "WARN claude-auth-sync: ", "; starting claude with its own login", false},
	} {
		if c.prog == "claude-launch" {
			// A launch asks Vault only on a miss: in a home without the env
			// file, which must stay without one, and claude's files as
			// they were.
			cold := t.TempDir()
			env = f.env("alice", "alice", node, cold)
			defer func(before map[string]string) {
				if after := snapshot(t, cold); !maps.Equal(before, after) {
					t.Errorf("a failed first launch changed files:\nbefore %v\nafter %v", before, after)
				}
			}(snapshot(t, cold))
		}
		_, stderr, err := f.run2(env, "", c.prog, strings.Fields(c.args)...)
		line := c.prefix + strings.ReplaceAll(want, "{addr}", node.Addr) + c.suffix
		if (err != nil) != c.fails || strings.TrimSuffix(stderr, "\n") != line {
			t.Errorf("%s %s: %v\n%s\nwant the one line\n%s", c.prog, c.args, err, stderr, line)
		}
	}
	if after := snapshot(t, home); !maps.Equal(before, after) {
		t.Errorf("files changed:\nbefore %v\nafter %v", before, after)
	}
}

// unjoined: a node that is up but not part of the cluster.
func (f *fleet) unjoined(t *testing.T) {
	n, err := f.c.AddNode()
	if err != nil {
		t.Fatal(err)
	}
	defer f.c.Kill(n)
	f.unchanged(t, f.synced(t), n, "vault at {addr} is not initialised: it is a node that has not joined its cluster yet, or a new server; set VAULT_ADDR to a node of your running cluster, or ask the operator to join this one")
}

// sealed: every node restarted, as after a power cut, and sealed.
func (f *fleet) sealed(t *testing.T) {
	home := f.synced(t)
	for _, n := range f.c.Nodes[:3] {
		if err := f.c.Restart(n); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range f.c.Nodes[:3] {
		f.unchanged(t, home, n, "vault at {addr} is sealed; it can answer once an operator unseals it")
	}
}
