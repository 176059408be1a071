package main

import (
	"errors"
	"os"
	"strconv"
	"strings"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/launch"
	"github.com/claude-launch/claude-launch/internal/version"
	"github.com/claude-launch/claude-launch/pkg/cgroup/agentcg"
	"github.com/claude-launch/claude-launch/pkg/kernfile"
	"github.com/claude-launch/claude-launch/pkg/token"
)

const prog = "claude-launch"

// run resolves the token and execs claude; it returns only when it could not, with one of launch's exit codes.
func run(args, environ []string, stderr *os.File, exec launch.ExecFunc) int {
	cfg, problems := config.Load(config.Input{Environ: environ, Launch: true})
	log := launch.NewLogger(stderr, prog, cfg.LogLevel)
	for _, p := range problems {
		log.Warn(p.Error())
	}
	if len(args) == 1 && args[0] == "--version" {
		// claude's own version follows on stdout, as scripts expect.
		_, _ = stderr.WriteString(prog + " " + version.String() + "\n")
	}
	if cfg.Depth >= launch.MaxDepth {
		log.Error("launchers exec'd each other "+strconv.Itoa(cfg.Depth)+" times: the claude found is another launcher",
			"hint", "set "+config.EnvClaude+" to the real claude")
		return launch.ExitRecursion
	}
	path := config.Getenv(environ)("PATH")
	claude, err := launch.Find("claude", cfg.Claude, config.EnvClaude, path)
	if err != nil && cfg.Claude != "" {
		log.Warn(err.Error() + "; looking for claude in PATH instead")
		claude, err = launch.Find("claude", "", config.EnvClaude, path)
	}
	if err != nil {
		log.Error(err.Error())
		return launch.ExitNotFound
	}
	env := resolve(environ, &cfg, stderr, log)
	if cfg.OOMScoreAdjSet {
		// exec keeps it: every agent the server starts is a likelier OOM victim than the server.
		if _, err := kernfile.RaiseOOMScoreAdj(0, cfg.OOMScoreAdj); err != nil {
			log.Warn("set oom_score_adj to " + strconv.Itoa(cfg.OOMScoreAdj) + ": " + err.Error())
		}
	}
	// Started by t3-serve-launch's server: a cgroup of its own, so that a runaway dies alone at its
	// own limit (a bad limit was said already, by the settings).
	if cfg.AgentCgroup != "" && cfg.AgentCgroupMemoryMax > 0 {
		if _, err := agentcg.Join(cfg.AgentCgroup, agentcg.Limits{Max: cfg.AgentCgroupMemoryMax}); err != nil {
			log.Warn(err.Error(), "hint", "see docs/t3-serve.md")
		}
	}
	if log.Enabled(config.LevelDebug) {
		log.Debug("exec", "path", claude.Path)
	}
	if err := launch.Exec(exec, claude, args, env); err != nil {
		log.Error(err.Error())
		return launch.ExitCannotExec
	}
	return launch.ExitOK
}

// resolve returns the child's environment (launch.ChildEnv); problems only warn: an agent always starts.
func resolve(environ []string, cfg *config.Config, stderr *os.File, log *launch.Logger) []string {
	r := cfg.Resolver(config.Getenv(environ), launch.SyncFetcher(environ, cfg, stderr))
	res, err := r.Resolve()
	if err != nil && !errors.Is(err, launch.ErrReported) { // else claude-auth-sync has said why already
		log.Warn(err.Error() + "; starting claude with its own login")
	}
	if debug := log.Enabled(config.LevelDebug); debug && res.Token.IsZero() {
		log.Debug("no setup token: starting claude with its own login", "reason", res.Reason)
	} else if debug {
		log.Debug("setup token in effect", "source", string(res.Source))
	}
	if !res.Token.IsZero() { // only a token can be overridden: no scan without one
		if over := launch.Overriding(environ); len(over) > 0 {
			log.Warn(strings.Join(over, " and ")+" set: claude uses it before "+token.EnvVar+", so the setup token is not used",
				"hint", "unset "+strings.Join(over, " "))
		}
	}
	return launch.ChildEnv(environ, res.Token, cfg.Depth+1)
}
