package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/launch"
)

// claudeTimeout bounds each question put to claude.
const claudeTimeout = 10 * time.Second

// VersionFloor is the first claude whose CLAUDE_CODE_OAUTH_TOKEN a transient 401 no longer
// replaces with a stored login's token (2.1.225): an older claude can fall back into the race.
var VersionFloor = [3]int{2, 1, 225}

var versionRe = regexp.MustCompile(`\b(\d+)\.(\d+)\.(\d+)\b`)

// claudeInfo is what claude says of itself.
type claudeInfo struct {
	Path       string `json:"path,omitempty"`
	Version    string `json:"version,omitempty"`
	BelowFloor bool   `json:"below_version_floor,omitempty"`
	// AuthMethod is what `claude auth status --json` says through claude-launch with a setup
	// token in use (oauth_token, or none); never asked of a stored login.
	AuthMethod string `json:"auth_method_through_launcher,omitempty"`
	Error      string `json:"error,omitempty"`
}

// claudeVersion finds the real claude as claude-launch does and asks its version.
func claudeVersion(ctx context.Context, cfg *config.Config) (ci claudeInfo) {
	f, err := launch.Find("claude", cfg.Claude, config.EnvClaude, os.Getenv("PATH"))
	if err != nil && cfg.Claude != "" {
		f, err = launch.Find("claude", "", config.EnvClaude, os.Getenv("PATH"))
	}
	if err != nil {
		ci.Error = err.Error()
		return ci
	}
	ci.Path = f.Path
	ctx, cancel := context.WithTimeout(ctx, claudeTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, f.Path, "--version").Output()
	m := versionRe.FindStringSubmatch(string(out))
	if err != nil || m == nil {
		ci.Error = "`claude --version` gave no version"
		return ci
	}
	ci.Version = m[0]
	var v [3]int
	for i := range v {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	ci.BelowFloor = slices.Compare(v[:], VersionFloor[:]) < 0
	return ci
}

// authThroughLauncher runs `claude-launch auth status --json` (beside this program, else in
// PATH) and returns claude's authMethod. That command refreshes an expired stored login
// (docs/race-lab.md), so it runs with CLAUDE_CONFIG_DIR an empty directory of its own.
func authThroughLauncher(ctx context.Context) (string, error) {
	launcher, ok := launch.Beside("claude-launch", os.Environ())
	if !ok {
		return "", errors.New("no claude-launch beside claude-auth-sync or in PATH")
	}
	empty, err := os.MkdirTemp("", "claude-auth-sync-status-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(empty)
	ctx, cancel := context.WithTimeout(ctx, claudeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, launcher, "auth", "status", "--json")
	cmd.Env = launch.Setenv(os.Environ(), "CLAUDE_CONFIG_DIR", empty)
	out, _ := cmd.Output() // exits 1 when logged out, with the same JSON
	var st struct {
		AuthMethod string `json:"authMethod"`
	}
	if err := json.Unmarshal(out, &st); err != nil || st.AuthMethod == "" {
		if ctx.Err() != nil {
			return "", errors.New("`claude auth status` gave no answer within " + claudeTimeout.String())
		}
		first, _, _ := strings.Cut(string(out), "\n")
		if len(first) > 200 {
			first = first[:200] + "…"
		}
		return "", errors.New("`claude auth status --json` through claude-launch gave no authMethod: " + strings.TrimSpace(first))
	}
	return st.AuthMethod, nil
}
