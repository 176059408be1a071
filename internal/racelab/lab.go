// Package racelab reproduces the refresh race that logs out users of
// many always-on claude agents, and shows its end with claude-launch: a
// rotating token endpoint on 127.0.0.1 (server.go), a model of the
// client's handling of its rotating login (client.go), and real agent
// processes sharing one real credentials file, or started through the
// real claude-launch with a setup token. Time is compressed honestly:
// only the access token's lifetime is short (seconds for 8 hours); calls,
// round trips and the lock's timings are those of the model, in real
// time, and two lifetimes give the same result per simulated day.
//
// The same race with the real claude CLI (real.go): eight real claude
// processes per run in the offline harness (internal/testenv/offline),
// with the faults the reports describe, on one shared login and through
// claude-launch with a setup token.
package racelab

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/claude-launch/claude-launch/internal/creds"
	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/testenv/offline"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// RealLifetime is the access token's lifetime the lab stands for.
const RealLifetime = 8 * time.Hour

// Modes of a case.
const (
	SharedLogin = "shared-login"
	SetupToken  = "setup-token"
)

// Case is one run's setting.
type Case struct {
	Lock   bool
	Policy Policy
	Mode   string
	Guard  bool // claude-auth-sync's guard on its timer (internal/creds)
	// Grace is the server's reuse window (0 for none), in real time: it
	// is measured against round trips, which the lab does not compress.
	Grace    time.Duration
	Seed     int64
	Lifetime time.Duration
}

func (c Case) String() string {
	s := c.Mode + "/" + string(c.Policy)
	if c.Lock {
		s += "/lock"
	} else {
		s += "/no-lock"
	}
	if c.Guard {
		s += "/guard"
	}
	if c.Grace > 0 {
		s += "/grace-" + c.Grace.String()
	}
	return s
}

// Params are what all runs share.
type Params struct {
	Agents    int
	Lifetimes int // access-token lifetimes each run lasts
	Interval  time.Duration
	Latency   time.Duration
	// Margin is how long before expiry a client refreshes, in real life
	// (5 minutes, an assumption); scaled as the lifetime is.
	Margin time.Duration
	// Relogin is how long a user takes to notice a logged-out pane and log
	// in again, in real life (an assumption); scaled as the lifetime is.
	Relogin   time.Duration
	LockWait  [2]time.Duration
	LockStale time.Duration
	// Self is the lab binary, which runs agents (AgentMain, ClaudeMain);
	// Launcher the real claude-launch.
	Self, Launcher string
	Dir            string
}

// Result is one run: the report's fields, and what the checks need.
type Result struct {
	// Client is Model or Real; ClaudeVersion the real claude's; Fault one
	// of RealFaults (NoFault for the model's runs).
	Client        string `json:"client"`
	ClaudeVersion string `json:"claude_version,omitempty"`
	Fault         string `json:"fault"`
	// For real runs: the short commands run beside the agents, the last
	// failed call's message, and claude's own word on the login after.
	ShortCommands int     `json:"short_commands,omitempty"`
	LastError     string  `json:"last_error,omitempty"`
	LoginAfter    string  `json:"login_after,omitempty"`
	Seconds       float64 `json:"seconds,omitempty"` // a real run's length
	Agents        int     `json:"agents"`
	// TokenRequests are a real run's requests to the token endpoint, as
	// the offline harness logged them (tokens by family and serial only).
	TokenRequests    []offline.Request `json:"token_requests,omitempty"`
	Lock             bool              `json:"lock"`
	Policy           Policy            `json:"policy"`
	Mode             string            `json:"mode"`
	Guard            bool              `json:"guard"`
	GraceSeconds     float64           `json:"grace_seconds"`
	Seed             int64             `json:"seed"`
	LifetimeSeconds  float64           `json:"lifetime_seconds"`
	Compression      float64           `json:"compression"`
	SimulatedHours   float64           `json:"simulated_hours"`
	Logouts          int               `json:"logouts"`
	FirstLogoutHours *float64          `json:"first_logout_hours"`
	LogoutHours      []float64         `json:"logout_hours"`
	Refreshes        int               `json:"refreshes"`
	BlankedWrites    int               `json:"blanked_writes"`
	FailedCalls      int               `json:"failed_calls"`
	Calls            int               `json:"calls"`
	LockTimeouts     int               `json:"lock_timeouts"`
	Restores         int               `json:"guard_restores"`
	Server           ServerStats       `json:"server"`
	// DamagedFile is the credentials file as the first logout left it;
	// ConfigDir the run's directory (kept for the checks).
	DamagedFile string `json:"-"`
	Home        string `json:"-"`
}

// Run runs one case: the endpoint, the login, the agents, the guard.
func Run(p Params, c Case) (Result, error) {
	r := Result{Client: Model, Fault: NoFault, Agents: p.Agents, Lock: c.Lock, Policy: c.Policy, Mode: c.Mode, Guard: c.Guard, GraceSeconds: c.Grace.Seconds(), Seed: c.Seed,
		LifetimeSeconds: c.Lifetime.Seconds(), Compression: float64(RealLifetime) / float64(c.Lifetime)}
	home, err := os.MkdirTemp(p.Dir, "run-")
	if err != nil {
		return r, err
	}
	r.Home = home
	cfgDir := filepath.Join(home, ".claude")
	if err := os.Mkdir(cfgDir, 0o700); err != nil {
		return r, err
	}
	file := filepath.Join(cfgDir, creds.FileName)
	setup := "sk-ant-oat01-lab-setup-" + strconv.FormatInt(c.Seed, 36) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	srv := &Server{Policy: c.Policy, Lifetime: c.Lifetime, Latency: p.Latency, Grace: c.Grace, Setup: setup}

	var mu sync.Mutex
	current, pending := 0, false
	relogin := time.Duration(float64(p.Relogin) / r.Compression)
	start := time.Now()
	hours := func() float64 { return time.Since(start).Hours() * r.Compression }
	login := func() {
		t, f := srv.Login()
		current = f
		_ = WriteCred(file, NewCred(t, time.Now()))
	}
	srv.LoggedOut = func(f int) {
		mu.Lock()
		defer mu.Unlock()
		if pending || f != current && ReadCred(file).OAuth.RefreshToken != "" {
			return // the user is about to log in again, or has, and the file holds it
		}
		// The user finds a pane logged out (the login it had is lost, or
		// the new one was blanked by a late loser) and, a while later,
		// runs /login again.
		r.Logouts++
		r.LogoutHours = append(r.LogoutHours, hours())
		if r.DamagedFile == "" {
			if b, err := os.ReadFile(file); err == nil {
				r.DamagedFile = filepath.Join(home, "damaged.credentials.json")
				_ = os.WriteFile(r.DamagedFile, b, 0o600)
			}
		}
		pending = true
		time.AfterFunc(relogin, func() {
			mu.Lock()
			defer mu.Unlock()
			login()
			pending = false
		})
	}
	endpoint, err := srv.Start()
	if err != nil {
		return r, err
	}
	defer srv.Close()
	mu.Lock()
	login()
	mu.Unlock()
	if c.Mode == SetupToken {
		sec, err := token.NewSecret(setup)
		if err != nil {
			return r, err
		}
		if err := store.WriteEnvFile(filepath.Join(home, ".config", "claude-auth-sync", "claude-oauth.env"), sec); err != nil {
			return r, err
		}
	}

	until := time.Now().Add(time.Duration(p.Lifetimes) * c.Lifetime)
	margin := time.Duration(float64(c.Lifetime) * float64(p.Margin) / float64(RealLifetime))
	args := []string{
		"-endpoint", endpoint, "-file", file, "-lock=" + strconv.FormatBool(c.Lock),
		"-interval", p.Interval.String(), "-margin", margin.String(),
		"-lock-wait", p.LockWait[0].String() + "," + p.LockWait[1].String(), "-lock-stale", p.LockStale.String(),
		"-until", strconv.FormatInt(until.UnixMilli(), 10),
	}
	var wg sync.WaitGroup
	counts := make([]Counts, p.Agents)
	errs := make([]error, p.Agents)
	for i := range p.Agents {
		a := append(args, "-seed", strconv.FormatInt(c.Seed*1000+int64(i), 10))
		var cmd *exec.Cmd
		if c.Mode == SetupToken {
			// As t3-serve or a tmux pane starts an agent: through
			// claude-launch, which finds the setup token in the env file
			// and execs "claude" (the lab's stand-in) with it.
			cmd = exec.Command(p.Launcher, append([]string{"claude"}, a...)...)
			cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "CLAUDE_LAUNCH_CLAUDE=" + p.Self, "CLAUDE_CONFIG_DIR=" + cfgDir}
		} else {
			cmd = exec.Command(p.Self, append([]string{"agent"}, a...)...)
			cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin"}
		}
		cmd.Stderr = os.Stderr
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := cmd.Output()
			if err != nil {
				errs[i] = fmt.Errorf("agent %d: %w", i, err)
				return
			}
			errs[i] = json.Unmarshal(out, &counts[i])
		}()
	}
	ctx, stop := context.WithCancel(context.Background())
	guardDone := make(chan struct{})
	go func() {
		defer close(guardDone)
		if !c.Guard {
			return
		}
		// claude-auth-sync sync on its hourly timer, compressed as the
		// lifetime is: the guard's own code (internal/creds).
		g := &creds.Guard{Dir: cfgDir, Backups: filepath.Join(home, "backups"), Keep: 5}
		every := time.Duration(float64(time.Hour) / r.Compression)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(every):
			}
			rctx, cancel := context.WithTimeout(ctx, every)
			rep, err := g.Run(rctx)
			cancel()
			if err == nil && rep.Restored != "" {
				mu.Lock()
				r.Restores++
				mu.Unlock()
			}
		}
	}()
	wg.Wait()
	stop()
	<-guardDone
	for _, err := range errs {
		if err != nil {
			return r, err
		}
	}
	mu.Lock()
	defer mu.Unlock()
	r.SimulatedHours = float64(p.Lifetimes) * RealLifetime.Hours()
	for _, n := range counts {
		r.Refreshes += n.Refreshes
		r.BlankedWrites += n.BlankedWrites
		r.FailedCalls += n.FailedCalls
		r.Calls += n.Calls
		r.LockTimeouts += n.LockTimeouts
	}
	if len(r.LogoutHours) > 0 {
		h := r.LogoutHours[0]
		r.FirstLogoutHours = &h
	}
	r.Server = srv.Stats()
	return r, nil
}
