// Command race-lab reproduces the refresh race of many claude agents on
// one rotating login, and its end with claude-launch and a setup token
// (package racelab). `make race-lab` runs it:
//
//	race-lab -launcher bin/claude-launch [-claude PATH] [-out out/race-lab]
//
// It prints the tables and writes report.json, table.md and the plots
// logouts.svg (the model) and real.svg (the real claude, offline, which
// needs root) to -out.
// The same binary is the agents: `race-lab agent …` for a shared-login
// agent, `race-lab claude …` for the stand-in claude that claude-launch
// execs.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/claude-launch/claude-launch/internal/racelab"
	"github.com/claude-launch/claude-launch/internal/testenv/offline"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "agent":
			os.Exit(racelab.AgentMain(os.Args[2:]))
		case "claude":
			os.Exit(racelab.ClaudeMain(os.Args[2:]))
		}
	}
	os.Exit(lab())
}

func lab() int {
	var (
		out       = flag.String("out", "out/race-lab", "directory for report.json and logouts.svg")
		launcher  = flag.String("launcher", "bin/claude-launch", "the real claude-launch (make build)")
		claude    = flag.String("claude", "", "the real claude, for the checks (scripts/install-claude.sh); none to skip them")
		agents    = flag.Int("agents", 8, "agent processes per run")
		seeds     = flag.Int("seeds", 3, "seeds per case")
		lifetime  = flag.Duration("lifetime", time.Second, "the access token's lifetime in the lab: stands for 8 h")
		lifetime2 = flag.Duration("lifetime2", 500*time.Millisecond, "a second lifetime, for the shared-login cases, to show the result does not hinge on the compression; 0 for none")
		lifetimes = flag.Int("lifetimes", 8, "lifetimes each run lasts")
		parallel  = flag.Int("parallel", 6, "runs at once")
		grace     = flag.Duration("grace", time.Second, "the server's reuse window for the cases that have one (Auth0's reuse interval); 0 for no such cases")
		quick     = flag.Bool("quick", false, "one seed, no second lifetime, no guard, no reuse window; the real claude only with a killed refresher, once: the test's short lab")
		realRuns  = flag.Int("real-runs", 2, "runs of each real-claude case (needs -claude, and root for the offline harness); 0 for none")
		realFor   = flag.Duration("real-duration", 14*time.Second, "how long each real-claude run lasts")
		realPar   = flag.Int("real-parallel", 4, "real-claude runs at once")
		faults    = flag.String("faults", strings.Join(racelab.RealFaults, ","), "the real-claude cases' faults, comma-separated")
		noModel   = flag.Bool("no-model", false, "skip the model's runs")
	)
	flag.Parse()
	self, err := os.Executable()
	if err != nil {
		return fail(err)
	}
	if *launcher, err = filepath.Abs(*launcher); err != nil {
		return fail(err)
	}
	if _, err := os.Stat(*launcher); err != nil {
		return fail(fmt.Errorf("no claude-launch at %s: run make build, or give -launcher", *launcher))
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fail(err)
	}
	scratch, err := os.MkdirTemp("", "race-lab")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(scratch)
	p := racelab.Params{
		Agents: *agents, Lifetimes: *lifetimes,
		Interval: 100 * time.Millisecond, Latency: 15 * time.Millisecond, Margin: 5 * time.Minute, Relogin: 30 * time.Minute,
		LockWait: [2]time.Duration{30 * time.Millisecond, 60 * time.Millisecond}, LockStale: 2 * time.Second,
		Self: self, Launcher: *launcher, Dir: scratch,
	}
	if *quick {
		*seeds, *lifetime2, *realRuns, *faults = 1, 0, 1, racelab.KilledRefresher
	}
	if *claude == "" {
		*realRuns = 0
	}
	var cases []racelab.Case
	add := func(mode string, lock bool, policy racelab.Policy, guard bool, grace, lt time.Duration) {
		for s := 1; s <= *seeds; s++ {
			cases = append(cases, racelab.Case{Mode: mode, Lock: lock, Policy: policy, Guard: guard, Grace: grace, Seed: int64(s), Lifetime: lt})
		}
	}
	for _, mode := range []string{racelab.SharedLogin, racelab.SetupToken} {
		for _, lock := range []bool{false, true} {
			for _, policy := range []racelab.Policy{racelab.Reject, racelab.RevokeFamily} {
				add(mode, lock, policy, false, 0, *lifetime)
			}
		}
	}
	if !*quick {
		for _, policy := range []racelab.Policy{racelab.Reject, racelab.RevokeFamily} {
			add(racelab.SharedLogin, false, policy, true, 0, *lifetime)
		}
		if *grace > 0 {
			for _, policy := range []racelab.Policy{racelab.Reject, racelab.RevokeFamily} {
				add(racelab.SharedLogin, false, policy, false, *grace, *lifetime)
			}
		}
	}
	if *lifetime2 > 0 {
		for _, lock := range []bool{false, true} {
			for _, policy := range []racelab.Policy{racelab.Reject, racelab.RevokeFamily} {
				add(racelab.SharedLogin, lock, policy, false, 0, *lifetime2)
			}
		}
	}

	compression := fmt.Sprintf("%s stands for 8 h: %.0fx", *lifetime, float64(racelab.RealLifetime)/float64(*lifetime))
	if *lifetime2 > 0 {
		compression += fmt.Sprintf("; %s: %.0fx", *lifetime2, float64(racelab.RealLifetime)/float64(*lifetime2))
	}
	fmt.Printf("race-lab: %d agents, %d runs of %d access-token lifetimes each (%s), %d at a time\n",
		p.Agents, len(cases), p.Lifetimes, compression, *parallel)
	start := time.Now()
	if *noModel {
		cases = nil
	}
	results, errs := runAll(cases, *parallel, func(c racelab.Case) (racelab.Result, error) { return racelab.Run(p, c) })
	for i, err := range errs {
		if err != nil {
			return fail(fmt.Errorf("%s seed %d: %w", cases[i], cases[i].Seed, err))
		}
	}
	if *realRuns > 0 {
		// The real claude runs in private namespaces, which need root.
		if h, err := offline.Start(scratch, offline.Options{}); errors.Is(err, offline.ErrNoNamespaces) {
			fmt.Printf("race-lab: the real claude's runs skipped: %v\n", err)
			*realRuns = 0
		} else if err != nil {
			return fail(err)
		} else {
			h.Close()
		}
	}
	if *realRuns > 0 {
		real, err := runReal(*claude, *launcher, scratch, p.Agents, *realRuns, *realPar, *realFor, strings.Split(*faults, ","))
		if err != nil {
			return fail(err)
		}
		results = append(results, real...)
	}

	rep := report{Command: "make race-lab", Agents: p.Agents, Lifetimes: p.Lifetimes, IntervalMS: p.Interval.Milliseconds(),
		LatencyMS: p.Latency.Milliseconds(), Cases: results, Checks: checks(results, *claude, *launcher, self)}
	table := racelab.Tables(results)
	fmt.Print(table)
	for k, v := range rep.Checks {
		fmt.Printf("check: %s: %s\n", k, v)
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fail(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "report.json"), append(b, '\n'), 0o644); err != nil {
		return fail(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "table.md"), []byte(table), 0o644); err != nil {
		return fail(err)
	}
	wrote := []string{"report.json", "table.md"}
	for _, ext := range []string{".svg", ".png"} {
		if !*noModel {
			if err := racelab.Plot(results, lifetime.Seconds(), filepath.Join(*out, "logouts"+ext)); err != nil {
				return fail(err)
			}
			wrote = append(wrote, "logouts"+ext)
		}
		if *realRuns > 0 {
			if err := racelab.PlotReal(results, filepath.Join(*out, "real"+ext)); err != nil {
				return fail(err)
			}
			wrote = append(wrote, "real"+ext)
		}
	}
	fmt.Printf("wrote %s (%s) in %s\n", *out, strings.Join(wrote, ", "), time.Since(start).Round(time.Second))
	return 0
}

// runReal runs every real-claude case: each fault, on the shared login
// (claude's own lock in force) and through claude-launch with a setup
// token, runs times each.
func runReal(claude, launcher, scratch string, agents, runs, parallel int, d time.Duration, faults []string) ([]racelab.Result, error) {
	out, err := exec.Command(claude, "--version").Output() // never refreshes (offline.TestRealClaudeOffline)
	if err != nil {
		return nil, fmt.Errorf("%s --version: %w", claude, err)
	}
	version, _, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	p := racelab.RealParams{Claude: claude, Launcher: launcher, ClaudeVersion: version, Agents: agents,
		Duration: d, Interval: 2 * time.Second, Refresh: 8 * time.Second, Latency: 4 * time.Second, Dir: scratch}
	type job struct {
		mode, fault string
		run         int
	}
	var jobs []job
	for _, f := range faults {
		for _, mode := range []string{racelab.SharedLogin, racelab.SetupToken} {
			for r := 1; r <= runs; r++ {
				jobs = append(jobs, job{mode, f, r})
			}
		}
	}
	fmt.Printf("race-lab: the real claude %s: %d runs of %s, %d agents each, %d at a time\n", version, len(jobs), d, agents, parallel)
	results, errs := runAll(jobs, parallel, func(j job) (racelab.Result, error) {
		return racelab.RunReal(p, j.mode, j.fault, racelab.Reject, j.run)
	})
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("real claude, %s, %s, run %d: %w", jobs[i].mode, jobs[i].fault, jobs[i].run, err)
		}
	}
	return results, nil
}

// runAll runs f on every job, at most parallel at once, and returns the
// results and errors in the jobs' order.
func runAll[J any](jobs []J, parallel int, f func(J) (racelab.Result, error)) ([]racelab.Result, []error) {
	results := make([]racelab.Result, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i], errs[i] = f(j)
		}()
	}
	wg.Wait()
	return results, errs
}

type report struct {
	Command    string            `json:"command"`
	Agents     int               `json:"agents"`
	Lifetimes  int               `json:"lifetimes_per_run"`
	IntervalMS int64             `json:"call_interval_ms"`
	LatencyMS  int64             `json:"refresh_latency_ms"`
	Cases      []racelab.Result  `json:"cases"`
	Checks     map[string]string `json:"checks"`
}

// checks asks the real claude about the worst case's file as its first
// logout left it, and, through the real claude-launch, about a
// setup-token case's login.
func checks(results []racelab.Result, claude, launcher, self string) map[string]string {
	c := map[string]string{}
	if claude == "" {
		c["real claude"] = "skipped (no -claude)"
		return c
	}
	var worst *racelab.Result
	var setup *racelab.Result
	for i := range results {
		r := &results[i]
		if r.Client == racelab.Real {
			continue // checked in the harness, by RunReal itself
		}
		if r.Mode == racelab.SharedLogin && r.DamagedFile != "" && (worst == nil || r.Logouts > worst.Logouts) {
			worst = r
		}
		if r.Mode == racelab.SetupToken && setup == nil {
			setup = r
		}
	}
	if worst != nil {
		dir, err := os.MkdirTemp("", "race-lab-check")
		if err == nil {
			defer os.RemoveAll(dir)
			b, _ := os.ReadFile(worst.DamagedFile)
			_ = os.WriteFile(filepath.Join(dir, ".credentials.json"), b, 0o600)
			cmd := exec.Command(claude, "auth", "status", "--text")
			cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "CLAUDE_CONFIG_DIR=" + dir}
			out, _ := cmd.CombinedOutput()
			c["worst case's file after its first logout, claude auth status --text"] = firstLine(string(out))
		}
	}
	if setup != nil {
		// With an empty config dir, as claude-auth-sync status asks: no
		// stored login is within reach, so nothing can be refreshed, even
		// if the launcher failed to pass the token.
		empty, err := os.MkdirTemp("", "race-lab-check")
		if err != nil {
			c["setup-token agents' login through claude-launch, claude auth status --json authMethod"] = err.Error()
			return c
		}
		defer os.RemoveAll(empty)
		cmd := exec.Command(launcher, "auth", "status", "--json")
		cmd.Env = []string{"HOME=" + setup.Home, "PATH=" + os.Getenv("PATH"), "CLAUDE_LAUNCH_CLAUDE=" + claude, "CLAUDE_CONFIG_DIR=" + empty}
		out, _ := cmd.Output()
		var st struct {
			AuthMethod string `json:"authMethod"`
		}
		_ = json.Unmarshal(out, &st)
		c["setup-token agents' login through claude-launch, claude auth status --json authMethod"] = st.AuthMethod
	}
	return c
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "race-lab:", err)
	return 1
}
