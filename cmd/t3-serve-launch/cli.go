package main

import (
	"context"
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/internal/launch"
	"github.com/claude-launch/claude-launch/internal/settings"
	"github.com/claude-launch/claude-launch/pkg/cgroup"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/vault"
)

// EnvServer names the path of the real t3-serve.
const EnvServer = "T3_SERVE_LAUNCH_SERVER"

// capsTimeout bounds the D-Bus round trips that put the caps in place.
const capsTimeout = 30 * time.Second

// CLI is t3-serve-launch's command line.
type CLI struct {
	settings.Token

	MemoryHigh    string `name:"memory-high" env:"T3_SERVE_LAUNCH_MEMORY_HIGH" default:"12G" placeholder:"SIZE" help:"Throttle the server's cgroup above this (MemoryHigh). Default: ${default}."`
	MemoryMax     string `name:"memory-max" env:"T3_SERVE_LAUNCH_MEMORY_MAX" default:"16G" placeholder:"SIZE" help:"OOM-kill inside the server's cgroup above this (MemoryMax). Default: ${default}."`
	SwapMax       string `name:"swap-max" env:"T3_SERVE_LAUNCH_SWAP_MAX" default:"0" placeholder:"SIZE" help:"Swap the cgroup may use (MemorySwapMax); 0 forbids swapping, which is what froze the machine. Default: ${default}."`
	OOMPolicy     string `name:"oom-policy" env:"T3_SERVE_LAUNCH_OOM_POLICY" default:"continue" enum:"continue,stop,kill" help:"What systemd does to the scope when one of its processes is OOM-killed; continue keeps the server running. Default: ${default}."`
	ScopeName     string `name:"scope-name" env:"T3_SERVE_LAUNCH_SCOPE" placeholder:"NAME" help:"Name of the transient scope. Default: t3-serve-launch-PID.scope."`
	AllowUncapped bool   `name:"allow-uncapped" env:"T3_SERVE_LAUNCH_ALLOW_UNCAPPED" help:"Start t3-serve even when the caps cannot be put in place (with a loud warning). Default: refuse to start."`
	AgentOOMScore int    `name:"agent-oom-score-adj" env:"T3_SERVE_LAUNCH_AGENT_OOM_SCORE_ADJ" default:"500" placeholder:"N" help:"oom_score_adj that agents started through claude-launch under the server give themselves, so the kernel picks them before the server; 0 leaves them alone. Default: ${default}."`
	Server        string `name:"server" env:"${server_env}" placeholder:"PATH" help:"Path of the real t3-serve. Default: t3-serve in PATH."`

	Args []string `arg:"" optional:"" help:"Arguments for t3-serve, unchanged; put them after -- when they look like flags, so that a mistyped flag of ours is an error, not an argument for t3-serve."`

	caps cgroup.Caps
}

// Validate parses the sizes and checks the caps together.
func (c *CLI) Validate() error {
	var err error
	for _, f := range []struct {
		flag string
		s    string
		dst  *uint64
	}{{"--memory-high", c.MemoryHigh, &c.caps.High}, {"--memory-max", c.MemoryMax, &c.caps.Max}, {"--swap-max", c.SwapMax, &c.caps.SwapMax}} {
		if *f.dst, err = cgroup.ParseSize(f.s); err != nil {
			return errors.New(f.flag + ": " + err.Error())
		}
	}
	c.caps.OOMPolicy = c.OOMPolicy
	if c.AgentOOMScore < 0 || c.AgentOOMScore > 1000 {
		return errors.New("--agent-oom-score-adj: give 0 to 1000 (raising a score needs no privilege; lowering one does)")
	}
	return c.caps.Validate()
}

// Run resolves the token, puts the caps in place and execs t3-serve. It
// returns only when it could not exec.
func (c *CLI) Run(logger *log.Logger) (int, error) {
	environ := os.Environ()
	cfg := c.Config()
	r := token.Resolver{Config: cfg, Getenv: os.Getenv, Fetch: vault.Fetcher(cfg, os.Getenv)}
	res, err := r.Resolve()
	if err != nil {
		logger.Warn(err.Error() + "; starting t3-serve with claude's own login")
	}
	logger.Debug("token", "source", string(res.Source), "fingerprint", res.Token.Fingerprint(), "reason", res.Reason)

	server, err := launch.Find("t3-serve", c.Server, EnvServer, os.Getenv("PATH"))
	if err != nil {
		return launch.ExitNotFound, err
	}

	name := c.ScopeName
	if name == "" {
		name = "t3-serve-launch-" + strconv.Itoa(os.Getpid())
	}
	ctx, cancel := context.WithTimeout(context.Background(), capsTimeout)
	rep, err := cgroup.Ensure(ctx, cgroup.Options{Caps: c.caps, ScopeName: name, Description: "t3-serve under memory caps (t3-serve-launch)"})
	cancel()
	for _, w := range rep.Warnings {
		logger.Warn(w)
	}
	switch {
	case err != nil && !c.AllowUncapped:
		return ExitRefused, errors.New("refusing to start t3-serve without its memory caps: " + err.Error() + " (--allow-uncapped starts it anyway)")
	case err != nil:
		logger.Warn("STARTING t3-serve WITHOUT MEMORY CAPS: a runaway agent can freeze this machine and take the server down", "why", err.Error())
	case rep.Outcome == cgroup.AlreadyCapped:
		logger.Info("caps already in force", "cgroup", rep.Limits.Dir, "memory_max", cgroup.FormatSize(rep.Limits.Max))
	default:
		logger.Info("running in a capped scope", "scope", rep.Scope.Name, "memory_max", cgroup.FormatSize(rep.Limits.Max), "oom_policy", rep.Scope.OOMPolicy)
	}

	env := launch.ChildEnv(environ, res.Token, launch.Depth(environ)+1)
	if c.AgentOOMScore > 0 {
		env = launch.Setenv(env, launch.EnvOOMScoreAdj, strconv.Itoa(c.AgentOOMScore))
	}
	err = launch.Exec(server, c.Args, env)
	return launch.ExitCannotExec, err
}
