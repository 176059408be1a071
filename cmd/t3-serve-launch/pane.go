package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/kills"
	"github.com/claude-launch/claude-launch/internal/launch"
	"github.com/claude-launch/claude-launch/pkg/cgroup"
)

// runPane is a pane of scripts/claude-agents (--pane=SESSION): it runs args (claude-launch and claude's
// arguments) again and again, each in a scope capped at CLAUDE_LAUNCH_PANE_MEMORY_MAX, and says why each run
// ended; without args it only says what keeps the agents uncapped. It logs as claude-launch (a pane is a tty).
func runPane(cfg *config.Config, problems []config.Problem, session string, args []string) int {
	logger := launch.NewLogger(os.Stderr, "claude-agents", cfg.LogLevel)
	for _, p := range problems {
		logger.Warn(p.Error())
	}
	uncapped, n := false, 1
	scope := func(pid int) string { // the scope it put pid in, "" if none
		if uncapped {
			return ""
		}
		name, err := agentScope(pid, fmt.Sprintf("claude-agent-%s-%d-%d.scope", session, os.Getpid(), n), cfg.PaneMemoryMax)
		if uncapped = err != nil; uncapped {
			logger.Warn("the agents run without a memory cap of their own: " + err.Error())
		}
		return name
	}
	if len(args) == 0 {
		scope(os.Getpid())
		return 0
	}
	intr := make(chan os.Signal, 1)
	signal.Notify(intr, os.Interrupt) // claude's own while it runs; the pane's in the back-off
	for wait := 2; ; n++ {
		start := time.Now()
		why := runAgent(args, scope, cfg, logger)
		if wait = min(wait*2, 60); time.Since(start) >= 10*time.Second { // a claude that cannot start does not spin
			wait = 2
		}
		fmt.Printf("\n[claude-agents] %s at %s; starting it again in %ds (Ctrl-C to stop this pane)\n", why, time.Now().Format(time.TimeOnly), wait)
		select { // a Ctrl-C while claude ran was claude's
		case <-intr:
		default:
		}
		select {
		case <-intr:
			return 130
		case <-time.After(time.Duration(wait) * time.Second):
		}
	}
}

// runAgent runs args once, in the scope that scope puts it in, and says how it ended; a kill at the cap is
// recorded. It waits at a gate until it is there: nothing it starts may be born outside.
func runAgent(args []string, scope func(pid int) string, cfg *config.Config, logger *launch.Logger) string {
	cmd := exec.Command("/bin/sh", append([]string{"-c", `read -r _ <&3 && exec "$@" 3<&-`, "sh"}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	gate, release, err := os.Pipe()
	if err == nil {
		defer release.Close()
		cmd.ExtraFiles = []*os.File{gate}
		err = cmd.Start()
		gate.Close()
	}
	if err != nil {
		return "claude could not start: " + err.Error()
	}
	name := scope(cmd.Process.Pid)
	_, _ = release.WriteString("\n")
	_ = cmd.Wait()
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	status := ws.ExitStatus()
	if ws.Signaled() {
		status = 128 + int(ws.Signal())
	}
	if name != "" && status == 137 && oomKilled(name) {
		k := kills.Kill{Time: time.Now(), Kind: kills.Pane, Comm: "claude", Cgroup: name, Max: cfg.PaneMemoryMax}
		if err := kills.Record(cfg.StateDir, kills.MetricsFile(cfg.MetricsFile), k); err != nil {
			logger.Warn("the kill is not recorded: " + err.Error())
		}
		return fmt.Sprintf("claude was killed at its memory cap (MemoryMax=%s), status %d,", cgroup.FormatSize(cfg.PaneMemoryMax), status)
	}
	return fmt.Sprintf("claude exited with status %d", status)
}

// agentScope puts pid in a new scope called name, capped at limit, no swap, killed whole at the cap.
func agentScope(pid int, name string, limit uint64) (string, error) {
	if limit == cgroup.Unlimited {
		return "", errors.New(config.EnvPaneMemoryMax + "=max asks for none")
	}
	h, err := cgroup.DetectHierarchy()
	if err != nil || !h.V2Memory {
		return "", errors.New("this machine's cgroups are v1 (or hybrid), where your systemd user manager cannot cap memory " +
			"(boot with systemd.unified_cgroup_hierarchy=1)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), capsTimeout)
	defer cancel()
	conn, err := cgroup.Connect(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	s, err := cgroup.StartScope(ctx, conn, cgroup.ScopeRequest{Name: name, Description: "claude agent (claude-agents)", PID: uint32(pid),
		Caps: cgroup.Caps{High: cgroup.Unlimited, Max: limit, OOMPolicy: "kill"}, Agent: true})
	if err != nil {
		return "", fmt.Errorf("your systemd user manager refused a scope with MemoryMax=%s (%s): %w",
			cgroup.FormatSize(limit), config.EnvPaneMemoryMax, err)
	}
	// A manager without memory delegated to it makes the scope and drops the cap.
	loc, err := cgroup.Locate(pid)
	if l, lerr := cgroup.OwnLimits(h, loc); err != nil || lerr != nil || l.Max > limit {
		return "", errors.New("your systemd user manager has no memory controller delegated to it (its scopes have no memory.max): " +
			"`systemctl edit user@.service` and add [Service] Delegate=pids memory cpu")
	}
	return s.Name, nil
}

// oomKilled says whether systemd ended the scope at its cap (noted a moment after the process is gone), and resets it.
func oomKilled(unit string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), capsTimeout)
	defer cancel()
	conn, err := cgroup.Connect(ctx)
	if err != nil {
		return false
	}
	defer conn.Close()
	for range 10 {
		if p, err := conn.GetUnitTypePropertyContext(ctx, unit, "Scope", "Result"); err == nil && p.Value.Value() == "oom-kill" {
			_ = conn.ResetFailedUnitContext(ctx, unit)
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}
