package racelab

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/claude-launch/claude-launch/internal/creds"
	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/testenv/offline"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// Clients of a run: the lab's model of claude, or the real claude CLI.
const (
	Model = "model"
	Real  = "real"
)

// Faults of a real-claude run.
const (
	NoFault = "none"
	// KilledRefresher: the process that refreshed is SIGKILLed after the
	// token endpoint rotated and before it wrote the file (an OOM kill, a
	// closed pane, a server ending a session). With a setup token nobody
	// refreshes, so one agent is killed instead, at the same moment.
	KilledRefresher = "killed-refresher"
	// StaleLock: claude's refresh lock left behind by a refresher killed
	// before the endpoint rotated (#95236).
	StaleLock = "stale-lock"
	// FutureLock: the same lock, dated an hour in the future (#95739).
	FutureLock = "future-lock"
	// CopiedLogin: each agent in a config dir of its own, with a copy of
	// one login.
	CopiedLogin = "copied-login"
	// ShortCommands: `claude auth status` and `claude --version` run beside
	// the agents under a 3 s bound, as scripts and status bars run them,
	// while the endpoint takes 4 s to answer after it rotated (#95822).
	ShortCommands = "short-commands"
)

// RealFaults are the faults, in the order the lab runs them.
var RealFaults = []string{NoFault, KilledRefresher, StaleLock, FutureLock, CopiedLogin, ShortCommands}

// RealParams are what all real-claude runs share.
type RealParams struct {
	Claude, Launcher string // the real claude CLI; the real claude-launch
	ClaudeVersion    string
	Agents           int
	// Duration of a run; Interval between one agent's calls (jittered by
	// a half); Refresh how long after a refresh claude refreshes again
	// (the endpoint issues tokens of 5 min + Refresh, and claude refreshes
	// 5 minutes ahead).
	Duration, Interval, Refresh time.Duration
	Latency                     time.Duration // of the token endpoint, after it rotated
	Dir                         string
}

// authFailure is how claude says a call failed for its login.
var authFailure = regexp.MustCompile(`(?i)oauth|authenticat|log ?in|401`)

// RunReal runs one real-claude case: the offline harness, the login, the
// fault, eight real claude agents in stream-json sessions (as T3 Code and
// the Agent SDK drive them), and a watch on the credentials files.
func RunReal(p RealParams, mode, fault string, policy Policy, run int) (Result, error) {
	r := Result{Client: Real, ClaudeVersion: p.ClaudeVersion, Fault: fault, Agents: p.Agents, Mode: mode, Policy: policy, Lock: true, Seed: int64(run)}
	home, err := os.MkdirTemp(p.Dir, "real-")
	if err != nil {
		return r, err
	}
	r.Home = home
	var mu sync.Mutex
	killed := 0
	latency := 300 * time.Millisecond
	if fault == ShortCommands {
		latency = p.Latency
	}
	opts := offline.Options{Policy: offline.Policy(policy), Lifetime: 5*time.Minute + p.Refresh, LatencyAfter: latency}
	var stale bool // making the stale lock: kill the refresher before the rotation
	opts.Hook = func(at offline.Moment, pid int) bool {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case stale && at == offline.BeforeRotation,
			fault == KilledRefresher && killed == 0 && at == offline.AfterRotation:
			killed = pid
			return offline.Kill(pid) == nil
		}
		return false
	}
	h, err := offline.Start(home, opts)
	if err != nil {
		return r, err
	}
	defer h.Close()

	// The login has expired as the agents start, so that they refresh at
	// once; with short commands it is still good for 6 s (claude
	// refreshes 5 min ahead), so that the agents start on it and sit idle
	// when it expires.
	expires := time.Now().Add(-time.Hour)
	if fault == ShortCommands {
		expires = time.Now().Add(5*time.Minute + 6*time.Second)
	}
	dirs := []string{filepath.Join(home, ".claude")}
	if err := h.WriteLogin(dirs[0], expires); err != nil {
		return r, err
	}
	login, err := os.ReadFile(filepath.Join(dirs[0], creds.FileName))
	if err != nil {
		return r, err
	}
	if fault == CopiedLogin {
		b := login
		for i := 1; i < p.Agents; i++ {
			d := filepath.Join(home, fmt.Sprintf(".claude-%d", i))
			if err := os.Mkdir(d, 0o700); err != nil {
				return r, err
			}
			if err := os.WriteFile(filepath.Join(d, creds.FileName), b, 0o600); err != nil {
				return r, err
			}
			dirs = append(dirs, d)
		}
	}
	path := filepath.Dir(p.Claude) + ":/usr/bin:/bin"
	env := h.Env(home, path)
	if fault == StaleLock || fault == FutureLock {
		// A real claude's refresh, killed before the endpoint rotated:
		// its lock and owner file stay behind, nothing is lost.
		mu.Lock()
		stale = true
		mu.Unlock()
		cmd := exec.Command(p.Claude, "-p", "hi")
		cmd.Env = env
		_ = h.Run(cmd)
		mu.Lock()
		stale, killed = false, 0
		mu.Unlock()
		lock := filepath.Join(dirs[0], creds.ClaudeLockName)
		if _, err := os.Stat(lock); err != nil {
			return r, fmt.Errorf("no lock left behind: %w", err)
		}
		if fault == FutureLock {
			future := time.Now().Add(time.Hour)
			if err := os.Chtimes(lock, future, future); err != nil {
				return r, err
			}
		}
	}
	refreshesBefore := h.Count(offline.TokenPath)
	if mode == SetupToken {
		sec, err := token.NewSecret(h.SetupToken())
		if err != nil {
			return r, err
		}
		if err := store.WriteEnvFile(filepath.Join(home, ".config", "claude-auth-sync", "claude-oauth.env"), sec); err != nil {
			return r, err
		}
		env = append(env, "CLAUDE_LAUNCH_CLAUDE="+p.Claude)
	}
	// Every claude of the run: an agent's, or a short command's; through
	// claude-launch with a setup token, as a tmux pane or t3-serve starts it.
	command := func(dir string, args ...string) *exec.Cmd {
		var cmd *exec.Cmd
		if mode == SetupToken {
			cmd = exec.Command(p.Launcher, args...)
		} else {
			cmd = exec.Command(p.Claude, args...)
		}
		cmd.Env = append(append([]string{}, env...), "CLAUDE_CONFIG_DIR="+dir)
		return cmd
	}

	stop := make(chan struct{})
	var watch sync.WaitGroup
	watch.Add(1)
	go func() {
		defer watch.Done()
		r.BlankedWrites = watchBlanks(dirs, stop)
	}()

	start := time.Now()
	duration := p.Duration
	if fault == ShortCommands {
		duration += 12 * time.Second // the dead holder's lock is taken over about 9 s after the kill
	}
	// With short commands, the agents sit idle as the login expires (an
	// always-on agent waits for its user most of the time, and an idle
	// claude does not refresh), and a status check is the first to find
	// it expired: they make their first call 2.5 s after it started.
	gate := make(chan struct{})
	var opened sync.Once
	open := func() { opened.Do(func() { close(gate) }) }
	defer open() // never leave an agent waiting, whatever returns
	if fault != ShortCommands {
		open()
	}
	agents := make([]*agent, p.Agents)
	for i := range agents {
		dir := dirs[0]
		if fault == CopiedLogin {
			dir = dirs[i]
		}
		cmd := command(dir, "-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose")
		a, err := startAgent(h, cmd, rand.New(rand.NewPCG(uint64(run), uint64(i))), gate, p.Interval, start.Add(duration))
		if err != nil {
			return r, err
		}
		agents[i] = a
	}
	var side sync.WaitGroup
	switch {
	case fault == KilledRefresher && mode == SetupToken:
		// No refresh to cut short: one agent is killed as the refresher
		// would have been, when the first refresh would have come.
		side.Add(1)
		go func() {
			defer side.Done()
			time.Sleep(3 * time.Second)
			_ = offline.Kill(agents[0].cmd.Process.Pid)
		}()
	case fault == ShortCommands:
		side.Add(1)
		go func() {
			defer side.Done()
			time.Sleep(time.Until(expires.Add(-5*time.Minute + 500*time.Millisecond)))
			for i := 0; time.Since(start) < duration-3*time.Second; i++ {
				args := []string{"auth", "status", "--json"}
				if i%2 == 1 {
					args = []string{"--version"}
				}
				cmd := command(dirs[0], args...)
				if i == 0 {
					time.AfterFunc(2500*time.Millisecond, open)
				}
				if h.Start(cmd) == nil {
					t := time.AfterFunc(3*time.Second, func() { _ = cmd.Process.Kill() })
					_ = cmd.Wait()
					t.Stop()
				}
				r.ShortCommands++
				time.Sleep(500 * time.Millisecond)
			}
		}()
	}
	for _, a := range agents {
		a.wait()
	}
	side.Wait()
	close(stop)
	watch.Wait()
	r.Seconds = time.Since(start).Seconds()
	for _, a := range agents {
		r.Calls += a.calls
		r.FailedCalls += a.failed
		if a.loggedOut {
			r.Logouts++
		}
		if a.lastError != "" && r.LastError == "" {
			r.LastError = a.lastError
		}
	}
	r.Refreshes = h.Count(offline.TokenPath) - refreshesBefore
	for _, q := range h.Requests() {
		if q.Path != offline.TokenPath || q.Time.Before(start) {
			continue
		}
		q.Time = q.Time.Round(time.Millisecond)
		r.TokenRequests = append(r.TokenRequests, q)
		if strings.HasPrefix(q.Answer, "invalid_grant") {
			r.Server.Rejected++
		}
	}
	// The login as the run left it, read before anything else touches it.
	last := filepath.Join(dirs[len(dirs)-1], creds.FileName)
	after, _ := os.ReadFile(last)
	if isBlanked(after) {
		r.DamagedFile = filepath.Join(home, "damaged.credentials.json")
		_ = os.WriteFile(r.DamagedFile, after, 0o600)
	}
	if mode == SetupToken {
		// The agents never used it: say whether it is as it was, rather
		// than ask claude, whose question would refresh it.
		r.LoginAfter = "stored login changed"
		if bytes.Equal(after, login) {
			r.LoginAfter = "stored login untouched"
		}
		return r, nil
	}
	// What claude itself says of the shared login afterwards, on a copy
	// (the fake endpoint answers if it refreshes; no real login exists).
	check := filepath.Join(home, "check")
	if err := os.Mkdir(check, 0o700); err == nil && os.WriteFile(filepath.Join(check, creds.FileName), after, 0o600) == nil {
		cmd := exec.Command(p.Claude, "auth", "status", "--text")
		cmd.Env = append(append([]string{}, h.Env(home, path)...), "CLAUDE_CONFIG_DIR="+check)
		out, _ := outputIn(h, cmd)
		r.LoginAfter = loginLine(out)
	}
	return r, nil
}

// isBlanked says whether a credentials file holds the race victim's
// login: both tokens emptied.
func isBlanked(b []byte) bool {
	return slices.Contains(creds.Check(b, time.Now()).Damage, "tokens blanked")
}

// loginLine is the line of `claude auth status --text` that says whether
// the login is good.
func loginLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "Login") || strings.Contains(strings.ToLower(l), "not logged in") {
			return strings.TrimSpace(l)
		}
	}
	return strings.TrimSpace(firstLine(out))
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

func outputIn(h *offline.Harness, cmd *exec.Cmd) (string, error) {
	var b strings.Builder
	cmd.Stdout, cmd.Stderr = &b, &b
	err := h.Run(cmd)
	return b.String(), err
}

// watchBlanks polls the credentials files until stop and counts how often
// one of them turned into the race victim's blanked login.
func watchBlanks(dirs []string, stop <-chan struct{}) int {
	blank := make([]bool, len(dirs))
	n := 0
	for {
		for i, d := range dirs {
			b, err := os.ReadFile(filepath.Join(d, creds.FileName))
			now := err == nil && isBlanked(b)
			if now && !blank[i] {
				n++
			}
			blank[i] = now
		}
		select {
		case <-stop:
			return n
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// agent is a real claude in a stream-json session: a user message every
// so often, one result per message.
type agent struct {
	cmd       *exec.Cmd
	done      chan struct{}
	calls     int
	failed    int
	loggedOut bool
	lastError string
}

func startAgent(h *offline.Harness, cmd *exec.Cmd, rng *rand.Rand, gate <-chan struct{}, interval time.Duration, until time.Time) (*agent, error) {
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outR, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = io.Discard
	if err := h.Start(cmd); err != nil {
		return nil, err
	}
	a := &agent{cmd: cmd, done: make(chan struct{})}
	results := make(chan result)
	go func() {
		defer close(results)
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var m result
			if json.Unmarshal(sc.Bytes(), &m) == nil && m.Type == "result" {
				results <- m
			}
		}
	}()
	go func() {
		defer close(a.done)
		defer func() {
			in.Close()
			t := time.AfterFunc(5*time.Second, func() { _ = cmd.Process.Kill() })
			for range results {
			}
			_ = cmd.Wait()
			t.Stop()
		}()
		<-gate
		time.Sleep(time.Duration(rng.Int64N(int64(time.Second))))
		for time.Now().Before(until) {
			msg := fmt.Sprintf(`{"type":"user","message":{"role":"user","content":"call %d"}}`+"\n", a.calls)
			if _, err := io.WriteString(in, msg); err != nil {
				return // killed
			}
			a.calls++
			select {
			case m, ok := <-results:
				if !ok {
					a.failed++ // died in the call
					return
				}
				if m.IsError {
					a.failed++
					a.lastError = firstLine(m.Result)
					if authFailure.MatchString(m.Result) {
						a.loggedOut = true
					}
				}
			case <-time.After(time.Until(until) + 20*time.Second):
				a.failed++
				return
			}
			time.Sleep(interval/2 + time.Duration(rng.Int64N(int64(interval))))
		}
	}()
	return a, nil
}

func (a *agent) wait() { <-a.done }

// result is the stream-json line that ends one call.
type result struct {
	Type    string `json:"type"`
	IsError bool   `json:"is_error"`
	Result  string `json:"result"`
}
