package main

import (
	"context"
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/internal/cli"
	"github.com/claude-launch/claude-launch/internal/launch"
	"github.com/claude-launch/claude-launch/pkg/cgroup"
	"github.com/claude-launch/claude-launch/pkg/config"
	"github.com/claude-launch/claude-launch/pkg/vault"
)

// capsTimeout bounds the D-Bus round trips that put the caps in place.
const capsTimeout = 30 * time.Second

// CLI is t3-serve-launch's command line. Like the token settings, its own
// flags are plain strings read by package config's parser.
type CLI struct {
	cli.Token

	MemoryHigh    string `name:"memory-high" help:"${help_memory_high}" placeholder:"${placeholder_memory_high}"`
	MemoryMax     string `name:"memory-max" help:"${help_memory_max}" placeholder:"${placeholder_memory_max}"`
	SwapMax       string `name:"swap-max" help:"${help_swap_max}" placeholder:"${placeholder_swap_max}"`
	OOMPolicy     string `name:"oom-policy" help:"${help_oom_policy}" placeholder:"${placeholder_oom_policy}"`
	ScopeName     string `name:"scope-name" help:"${help_scope_name}" placeholder:"${placeholder_scope_name}"`
	AllowUncapped bool   `name:"allow-uncapped" help:"${help_allow_uncapped}"`
	AgentOOMScore string `name:"agent-oom-score-adj" help:"${help_agent_oom_score_adj}" placeholder:"${placeholder_agent_oom_score_adj}"`
	Server        string `name:"server" help:"${help_server}" placeholder:"${placeholder_server}"`

	Args []string `arg:"" optional:"" help:"Arguments for t3-serve, unchanged; put them after -- when they look like flags, so that a mistyped flag of ours is an error, not an argument for t3-serve."`
}

// Run resolves the token, puts the caps in place and execs t3-serve. It
// returns only when it could not exec.
func (c *CLI) Run(cfg *config.Config, logger *log.Logger) (int, error) {
	caps := cgroup.CapsOf(cfg.T3)
	if err := caps.Validate(); err != nil {
		return launch.ExitRefused, err
	}
	environ := launch.Environ()
	r := cfg.Resolver(os.Getenv, vault.Fetcher(cfg, os.Getenv))
	res, err := r.Resolve()
	if err != nil {
		logger.Warn(err.Error() + "; starting t3-serve with claude's own login")
	}
	logger.Debug("token", "source", string(res.Source), "fingerprint", res.Token.Fingerprint(), "reason", res.Reason)

	server, err := launch.Find("t3-serve", cfg.T3.Server, config.EnvServer, os.Getenv("PATH"))
	if err != nil {
		return launch.ExitNotFound, err
	}

	name := cfg.T3.Scope
	if name == "" {
		name = "t3-serve-launch-" + strconv.Itoa(os.Getpid())
	}
	ctx, cancel := context.WithTimeout(context.Background(), capsTimeout)
	rep, err := cgroup.Ensure(ctx, cgroup.Options{Caps: caps, ScopeName: name, Description: "t3-serve under memory caps (t3-serve-launch)"})
	cancel()
	for _, w := range rep.Warnings {
		logger.Warn(w)
	}
	switch {
	case err != nil && !cfg.T3.AllowUncapped:
		return launch.ExitRefused, errors.New("refusing to start t3-serve without its memory caps: " + err.Error() + " (--allow-uncapped starts it anyway)")
	case err != nil:
		logger.Warn("STARTING t3-serve WITHOUT MEMORY CAPS: a runaway agent can freeze this machine and take the server down", "why", err.Error())
	case rep.Outcome == cgroup.AlreadyCapped:
		logger.Info("caps already in force", "cgroup", rep.Limits.Dir, "memory_max", cgroup.FormatSize(rep.Limits.Max))
	default:
		logger.Info("running in a capped scope", "scope", rep.Scope.Name, "memory_max", cgroup.FormatSize(rep.Limits.Max), "oom_policy", rep.Scope.OOMPolicy)
	}

	env := launch.ChildEnv(environ, res.Token, cfg.Depth+1)
	if cfg.T3.AgentOOMScoreAdj > 0 {
		env = launch.Setenv(env, config.EnvOOMScoreAdj, strconv.Itoa(cfg.T3.AgentOOMScoreAdj))
	}
	err = launch.Exec(launch.SysExec, server, c.Args, env)
	return launch.ExitCannotExec, err
}
