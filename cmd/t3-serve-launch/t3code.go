package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/internal/launch"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// t3Settings is T3 Code's settings file, below the user's home.
const t3Settings = ".t3/userdata/settings.json"

// claudePath is what T3 Code starts claude as: the Claude provider's
// binaryPath setting (providers.claudeAgent.binaryPath, or a
// providerInstances entry of driver claudeAgent), "" when unset (then T3
// Code runs "claude" from the PATH it rebuilds from the login shell).
// found is false when there is no settings file (T3 Code's defaults).
func claudePath(home string) (path string, found bool, err error) {
	// Bounded, and never blocking on a FIFO: the server waits on this.
	b, err := token.ReadSmallFile(filepath.Join(home, t3Settings), "T3 Code's settings", token.Owned, "")
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	var s struct {
		Providers struct {
			ClaudeAgent struct {
				BinaryPath string `json:"binaryPath"`
			} `json:"claudeAgent"`
		} `json:"providers"`
		ProviderInstances map[string]struct {
			Driver string `json:"driver"`
			Config struct {
				BinaryPath string `json:"binaryPath"`
			} `json:"config"`
		} `json:"providerInstances"`
	}
	if err := json.Unmarshal([]byte(b), &s); err != nil {
		return "", true, fmt.Errorf("read %s: %w", filepath.Join(home, t3Settings), err)
	}
	path = s.Providers.ClaudeAgent.BinaryPath
	for _, in := range s.ProviderInstances {
		if in.Driver == "claudeAgent" && in.Config.BinaryPath != "" {
			path = in.Config.BinaryPath
		}
	}
	return path, true, nil
}

// checkT3Code says at start whether T3 Code's agents pass through
// claude-launch, and if not, the setting that routes them: without it they
// have only the token in the server's environment, as it was at the
// server's start, and no agent cgroup of their own (on cgroup v2 with the
// unit's layout, the watcher bounds them as any other process the server
// starts). It only logs.
func checkT3Code(logger *log.Logger) {
	home := os.Getenv("HOME")
	if !filepath.IsAbs(home) {
		return
	}
	path, found, err := claudePath(home)
	switch {
	case err != nil:
		logger.Warn(err.Error())
		return
	case !found:
		path = "" // T3 Code's default
	case filepath.IsAbs(path) && launch.IsLauncher(path):
		logger.Info("T3 Code's agents start through claude-launch", "binaryPath", path)
		return
	}
	why := "T3 Code starts claude as \"" + path + "\", not claude-launch"
	switch {
	case path == "":
		why = "T3 Code starts claude as \"claude\" from the PATH it builds from your login shell (its entries first), not claude-launch"
	case !filepath.IsAbs(path):
		why = "T3 Code starts claude as \"" + path + "\", a name it looks up in the PATH it builds from your login shell (its entries first), " +
			"which need not find claude-launch"
	}
	logger.Warn(why+": its agents may not pass through claude-launch (then they keep the token the server started with, "+
		"and get no agent cgroup of their own); set the Claude provider's binary path to claude-launch's absolute path (docs/t3-serve.md, \"T3 Code\")",
		"file", filepath.Join(home, t3Settings), "setting", "providers.claudeAgent.binaryPath", "value", launcherPath())
}

// launcherPath is the claude-launch beside this program, else in PATH.
func launcherPath() string {
	if p, ok := launch.Beside("claude-launch", os.Environ()); ok {
		return p
	}
	return "/usr/local/bin/claude-launch"
}
