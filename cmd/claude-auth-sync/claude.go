package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/launch"
)

// claudeTimeout bounds each question put to claude.
const claudeTimeout = 10 * time.Second

// VersionFloor is the first claude whose long-lived CLAUDE_CODE_OAUTH_TOKEN
// a transient 401 no longer replaces with a stored login's short-lived
// token (2.1.225, the CLI's changelog): an older claude can fall back into
// the race.
var VersionFloor = [3]int{2, 1, 225}

// claudeInfo is what claude says of itself.
type claudeInfo struct {
	Path       string `json:"path,omitempty"`
	Version    string `json:"version,omitempty"`
	BelowFloor bool   `json:"below_version_floor,omitempty"`
	// AuthMethod is `claude auth status --json`'s authMethod when claude
	// is started through claude-launch with a setup token in use:
	// oauth_token, or none when the launcher did not pass it. Never asked
	// of a stored login (authThroughLauncher says why).
	AuthMethod string `json:"auth_method_through_launcher,omitempty"`
	Error      string `json:"error,omitempty"`
}

// findClaude finds the real claude as claude-launch does.
func findClaude(cfg *config.Config) (string, error) {
	f, err := launch.Find("claude", cfg.Claude, config.EnvClaude, os.Getenv("PATH"))
	if err != nil && cfg.Claude != "" {
		f, err = launch.Find("claude", "", config.EnvClaude, os.Getenv("PATH"))
	}
	return f.Path, err
}

var versionRe = regexp.MustCompile(`\b(\d+)\.(\d+)\.(\d+)\b`)

// claudeVersion asks claude for its version.
func claudeVersion(ctx context.Context, cfg *config.Config) claudeInfo {
	var ci claudeInfo
	path, err := findClaude(cfg)
	if err != nil {
		ci.Error = err.Error()
		return ci
	}
	ci.Path = path
	ctx, cancel := context.WithTimeout(ctx, claudeTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
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
	ci.BelowFloor = v[0] < VersionFloor[0] || v[0] == VersionFloor[0] && (v[1] < VersionFloor[1] || v[1] == VersionFloor[1] && v[2] < VersionFloor[2])
	return ci
}

// authThroughLauncher runs `claude-launch auth status --json` (the
// launcher beside this program, else in PATH) and returns claude's
// authMethod: what the next agent will use.
//
// `claude auth status` refreshes an expired stored login, and a refresh
// cut short after the server rotated logs every agent out (docs/race-lab.md,
// the short-commands case). So it is asked only
// while a setup token is in use, and with CLAUDE_CONFIG_DIR pointing at
// an empty directory of its own: whatever the launcher does, no stored
// login is within claude's reach. A launcher that failed to pass the
// token then shows as "none".
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
	cmd.Stdin = nil
	cmd.Env = launch.Setenv(os.Environ(), "CLAUDE_CONFIG_DIR", empty)
	out, _ := cmd.Output() // exits 1 when logged out, with the same JSON
	var st struct {
		AuthMethod string `json:"authMethod"`
	}
	if err := json.Unmarshal(out, &st); err != nil || st.AuthMethod == "" {
		if ctx.Err() != nil {
			return "", errors.New("`claude auth status` gave no answer within " + claudeTimeout.String())
		}
		return "", errors.New("`claude auth status --json` through claude-launch gave no authMethod: " + strings.TrimSpace(firstLine(string(out))))
	}
	return st.AuthMethod, nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	if len(l) > 200 {
		l = l[:200] + "…"
	}
	return l
}
