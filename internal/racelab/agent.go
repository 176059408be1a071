package racelab

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/claude-launch/claude-launch/pkg/token"
)

// AgentMain runs one agent process of a shared-login case, and
// ClaudeMain the stand-in claude that claude-launch execs in a setup-token
// case; both print their Counts as JSON on stdout.
func AgentMain(args []string) int { return agentMain(args, "") }

// ClaudeMain is the stand-in claude: the same client, with the token
// claude-launch put in CLAUDE_CODE_OAUTH_TOKEN, and no login of its own.
func ClaudeMain(args []string) int {
	tok := os.Getenv(token.EnvVar)
	if tok == "" {
		fmt.Fprintln(os.Stderr, "race-lab claude: no "+token.EnvVar+": claude-launch did not find the setup token")
		return 1
	}
	return agentMain(args, tok)
}

func agentMain(args []string, setup string) int {
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	c := &Client{Setup: setup}
	var lock bool
	var lockWait string
	var seed, until int64
	fs.StringVar(&c.Endpoint, "endpoint", "", "token endpoint")
	fs.StringVar(&c.File, "file", "", "credentials file")
	fs.BoolVar(&lock, "lock", false, "the lock habit")
	fs.DurationVar(&c.Interval, "interval", 100*time.Millisecond, "mean gap between calls")
	fs.DurationVar(&c.Margin, "margin", 0, "refresh this long before expiry")
	fs.StringVar(&lockWait, "lock-wait", "30ms,60ms", "jitter between lock attempts")
	fs.DurationVar(&c.LockStale, "lock-stale", 2*time.Second, "a lock older than this is stale")
	fs.Int64Var(&until, "until", 0, "stop at this Unix time in ms")
	fs.Int64Var(&seed, "seed", 1, "seed")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	lo, hi, _ := strings.Cut(lockWait, ",")
	var err error
	if c.LockWait[0], err = time.ParseDuration(lo); err == nil {
		c.LockWait[1], err = time.ParseDuration(hi)
	}
	if err != nil || c.Endpoint == "" || (setup == "" && c.File == "") || until == 0 {
		fmt.Fprintln(os.Stderr, "race-lab agent: bad arguments")
		return 2
	}
	c.Lock = lock
	c.Until = time.UnixMilli(until)
	c.Rand = rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	if err := json.NewEncoder(os.Stdout).Encode(c.Run()); err != nil {
		return 1
	}
	return 0
}
