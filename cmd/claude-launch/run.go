package main

import (
	"errors"
	"os"
	"strconv"
	"strings"

	"github.com/claude-launch/claude-launch/internal/launch"
	"github.com/claude-launch/claude-launch/pkg/token"
)

const prog = "claude-launch"

// run resolves the token and execs claude; it returns only when it could
// not exec, with one of launch's exit codes.
func run(args, environ []string, stderr *os.File) int {
	getenv := func(name string) string { v, _ := launch.Lookup(environ, name); return v }
	level, lerr := launch.ParseLevel(getenv(token.EnvLogLevel))
	log := launch.NewLogger(stderr, prog, level)
	if lerr != nil {
		log.Warn(lerr.Error())
	}

	depth := launch.Depth(environ)
	if depth >= launch.MaxDepth {
		log.Error("launchers exec'd each other "+strconv.Itoa(depth)+" times: the claude found is another claude-launch",
			"hint", "set "+token.EnvClaude+" to the real claude")
		return launch.ExitRecursion
	}
	claude, err := launch.Find("claude", getenv(token.EnvClaude), token.EnvClaude, getenv("PATH"))
	if err != nil {
		log.Error(err.Error())
		return launch.ExitNotFound
	}

	env := resolve(environ, getenv, depth, stderr, log)
	if v := getenv(launch.EnvOOMScoreAdj); v != "" {
		if err := launch.RaiseOOMScoreAdj(v); err != nil {
			log.Warn(err.Error())
		}
	}
	log.Debug("exec", "path", claude.Path)
	err = launch.Exec(claude, args, env)
	log.Error(err.Error())
	return launch.ExitCannotExec
}

// resolve returns the child's environment: with the setup token when one
// is found, else environ as received (with the kill switch too: only the
// recursion marker is added, so the guard holds even then). Problems are
// warnings, never fatal: an agent always starts.
func resolve(environ []string, getenv func(string) string, depth int, stderr *os.File, log *launch.Logger) []string {
	cfg, problems := token.ConfigFromEnv(getenv)
	for _, p := range problems {
		log.Warn(p.Error())
	}
	r := token.Resolver{Config: cfg, Getenv: getenv, Fetch: launch.SyncFetcher(environ, cfg, stderr)}
	res, err := r.Resolve()
	switch {
	case err == nil:
	case res.Source == token.SourceNone && errors.Is(err, launch.ErrReported):
		// claude-auth-sync has said why already.
	default:
		log.Warn(err.Error() + "; starting claude with its own login")
	}
	if res.Token.IsZero() {
		log.Debug("no setup token: starting claude with its own login", "reason", res.Reason)
		return launch.ChildEnv(environ, token.Secret{}, depth+1)
	}
	log.Debug("setup token in effect", "source", string(res.Source), "fingerprint", res.Token.Fingerprint())
	if over := launch.Overriding(environ); len(over) > 0 {
		log.Warn(strings.Join(over, " and ")+" set: claude uses it before "+token.EnvVar+", so the setup token is not used",
			"hint", "unset "+strings.Join(over, " "))
	}
	return launch.ChildEnv(environ, res.Token, depth+1)
}
