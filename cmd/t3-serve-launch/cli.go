package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/internal/cli"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/launch"
	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/vault"
	"github.com/claude-launch/claude-launch/pkg/cgroup"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
)

const (
	capsTimeout   = 30 * time.Second                       // bounds the D-Bus round trips that put the caps in place
	allowUncapped = " (--allow-uncapped starts it anyway)" // ends a refusal for want of the caps
)

// CLI is t3-serve-launch's command line; cli.Parse adds the settings' flags.
type CLI struct {
	cli.Base
	Pane string   `name:"pane" hidden:""` // runs a pane of scripts/claude-agents instead (pane.go)
	Args []string `arg:"" optional:"" help:"The server's arguments, unchanged (T3 Code: serve and its flags); after -- when they look like flags."`
}

// Run resolves the token, puts the caps in place, lays out the agents' cgroups and execs t3-serve; it returns only if it cannot.
func (c *CLI) Run(cfg *config.Config, logger *log.Logger, forks *os.File) (int, error) {
	caps, err := capsOf(cfg, logger)
	if err != nil {
		return launch.ExitUsage, err
	}
	environ := slices.DeleteFunc(launch.Environ(), func(kv string) bool { return strings.HasPrefix(kv, forksEnv+"=") })
	res, err := cfg.Resolver(os.Getenv, vaultFetcher(cfg, os.Getenv)).Resolve()
	if err != nil {
		logger.Warn(err.Error() + "; starting t3-serve with claude's own login")
	}
	logger.Debug("token", "source", string(res.Source), "fingerprint", fingerprint.Of(res.Token), "reason", res.Reason)

	server, err := launch.Find("t3", cfg.T3.Server, config.EnvT3Server, os.Getenv("PATH"))
	if err != nil {
		code := launch.ExitCannotExec
		if errors.Is(err, launch.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			code = launch.ExitNotFound
		}
		return code, fmt.Errorf("%w; as a service, set it in a drop-in: `systemctl edit t3-serve@USER` and add [Service] Environment=%s=/path/to/t3",
			err, config.EnvT3Server)
	}

	ctx, cancel := context.WithTimeout(context.Background(), capsTimeout)
	rep, err := cgroup.Ensure(ctx, cgroup.Options{Caps: caps, Description: "t3-serve under memory caps (t3-serve-launch)",
		ScopeName: cmp.Or(cfg.T3.Scope, "t3-serve-launch-"+strconv.Itoa(os.Getpid())), ServerLow: cfg.T3.ServerMemoryLow,
		ServerMax: cfg.T3.ServerMemoryMax, Wording: cgroup.Wording{Program: "t3-serve-launch", UnitFile: "t3-serve@.service",
			ServerMaxSetting: "--server-memory-max (" + config.EnvT3ServerMemoryMax + ")"}})
	cancel()
	for _, w := range rep.Warnings {
		logger.Warn(w)
	}
	switch {
	case err != nil && !cfg.T3.AllowUncapped:
		return launch.ExitRefused, fmt.Errorf("refusing to start t3-serve without its memory caps: %w%s", err, allowUncapped)
	case err != nil:
		logger.Warn("STARTING t3-serve WITHOUT MEMORY CAPS: a runaway agent can freeze this machine and take the server down", "why", err.Error())
	case rep.Scope.Name == "": // in its service
		logger.Info("caps in force in the unit", "unit", rep.Unit, "memory_max", cgroup.FormatSize(rep.Limits.Max), "oom_policy", rep.OOMPolicy)
	default: // the scope's OOMPolicy is "" only when systemd rejected it
		logger.Info("running in a capped scope", "scope", rep.Scope.Name, "memory_max", cgroup.FormatSize(rep.Limits.Max),
			"oom_policy", cmp.Or(rep.OOMPolicy, "rejected by systemd"))
	}

	checkT3Code(logger)
	env := launch.ChildEnv(environ, res.Token, cfg.Depth+1)
	if cfg.T3.AgentOOMScoreAdj > 0 {
		env = launch.Setenv(env, config.EnvOOMScoreAdj, strconv.Itoa(cfg.T3.AgentOOMScoreAdj))
	}
	// As set, else half of MemoryHigh (capsOf keeps High <= Max): one runaway dies before the unit throttles.
	agentMax := cmp.Or(cfg.T3.AgentMemoryMax, min(caps.High, caps.Max)/2)
	if rep.Agents != "" {
		env = launch.Setenv(env, config.EnvAgentCgroup, rep.Agents)
		env = launch.Setenv(env, config.EnvAgentCgroupMemoryMax, strconv.FormatUint(agentMax, 10))
		logger.Info("each agent gets a cgroup of its own", "under", rep.Agents, "memory_max", cgroup.FormatSize(agentMax),
			"all_agents_max", cgroup.FormatSize(rep.AgentsMax))
	}
	// The watcher gives every other process the server starts a bounded cgroup of its own (cgroup.Watcher).
	if rep.Leaf != "" {
		switch err := startWatcher(rep, agentMax, cfg, forks); {
		case err != nil && !cfg.T3.AllowUncapped:
			return launch.ExitRefused, fmt.Errorf("refusing to start t3-serve: %w%s", err, allowUncapped)
		case err != nil:
			logger.Warn("the processes the server starts stay in its cgroup, where a runaway's OOM kill can take the server with it", "why", err.Error())
		default:
			how := "the server's forks wake the watcher"
			if forks == nil {
				how = "the watcher looks as often as the server's headroom needs (it hears the server's forks only with CAP_NET_ADMIN)"
			}
			logger.Info("every other process the server starts gets a cgroup of its own too; "+how, "under", rep.Agents,
				"memory_max", cgroup.FormatSize(agentMax), "server_memory_max", cgroup.FormatSize(rep.ServerMax))
		}
	}
	return launch.ExitCannotExec, launch.Exec(launch.SysExec, server, c.Args, env)
}

// capsOf are the caps the settings ask for. A default MemoryHigh above the MemoryMax given becomes 3/4 of it,
// and says so; a MemoryHigh given above it is a usage error naming the flag.
func capsOf(cfg *config.Config, logger *log.Logger) (cgroup.Caps, error) {
	t := cfg.T3
	if t.MemoryHigh > t.MemoryMax && t.MemoryMax != cgroup.Unlimited {
		if t.MemoryHighSet {
			return cgroup.Caps{}, errors.New("--memory-high (" + cgroup.FormatSize(t.MemoryHigh) + ") is above --memory-max (" +
				cgroup.FormatSize(t.MemoryMax) + "), so it would never throttle: lower --memory-high, or leave it out to take 3/4 of --memory-max")
		}
		t.MemoryHigh = t.MemoryMax / 4 * 3
		logger.Info("MemoryHigh follows --memory-max", "memory_high", cgroup.FormatSize(t.MemoryHigh))
	}
	caps := cgroup.Caps{High: t.MemoryHigh, Max: t.MemoryMax, SwapMax: t.SwapMax, OOMPolicy: t.OOMPolicy}
	return caps, caps.Validate()
}

// vaultFetcher is the token.Fetcher: on a miss it syncs the env file from Vault in-process, under
// claude-auth-sync's lock and negative cache, bounded by the deadline; a no-op without a Vault token.
func vaultFetcher(c *config.Config, getenv func(string) string) token.Fetcher {
	return func(deadline time.Time) error {
		client, err := vault.New(c, getenv)
		if errors.Is(err, token.ErrNoVaultToken) {
			return nil
		}
		if err != nil {
			return err
		}
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		_, err = store.Sync(ctx, c, client.Lookup, true)
		return err
	}
}
