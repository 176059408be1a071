package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/internal/launch"
	"github.com/claude-launch/claude-launch/pkg/token"
	"golang.org/x/sys/unix"
)

// t3Settings is T3 Code's settings file, below the user's home.
const t3Settings = ".t3/userdata/settings.json"

// claudePaths are what T3 Code starts claude as, setting by setting: providers.claudeAgent.binaryPath (when set
// or no instance is), then each providerInstances entry of driver claudeAgent, by name. "" is unset ("claude").
func claudePaths(home string) (paths [][2]string, err error) {
	b, err := token.ReadSmallFile(filepath.Join(home, t3Settings), "T3 Code's settings", token.Owned, "")
	if errors.Is(err, fs.ErrNotExist) {
		b, err = "{}", nil // T3 Code's defaults
	}
	if err != nil {
		return nil, err
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
		return nil, fmt.Errorf("read %s: %w", filepath.Join(home, t3Settings), err)
	}
	for _, name := range slices.Sorted(maps.Keys(s.ProviderInstances)) {
		if in := s.ProviderInstances[name]; in.Driver == "claudeAgent" {
			paths = append(paths, [2]string{"providerInstances." + name + ".config.binaryPath", in.Config.BinaryPath})
		}
	}
	if p := s.Providers.ClaudeAgent.BinaryPath; p != "" || len(paths) == 0 {
		paths = append([][2]string{{"providers.claudeAgent.binaryPath", p}}, paths...)
	}
	return paths, nil
}

// checkT3Code logs, for each Claude provider setting, whether T3 Code's agents pass through claude-launch,
// and if not, what T3 Code will do and the setting that routes them.
func checkT3Code(logger *log.Logger) {
	home := os.Getenv("HOME")
	if !filepath.IsAbs(home) {
		return
	}
	paths, err := claudePaths(home)
	if err != nil {
		logger.Warn(err.Error())
		return
	}
	for _, p := range paths {
		setting, path := p[0], p[1]
		fi, serr := os.Stat(path)
		why := "T3 Code starts claude as \"" + path + "\", not claude-launch" + bypass
		switch {
		case path == "":
			why = "T3 Code starts claude as \"claude\" from the PATH it builds from your login shell (its entries first), not claude-launch" + bypass
		case !filepath.IsAbs(path):
			why = "T3 Code starts claude as \"" + path + "\", a name it looks up in the PATH it builds from your login shell (its entries first), " +
				"which need not find claude-launch" + bypass
		case serr != nil:
			why = "T3 Code cannot start claude: there is nothing you can reach at \"" + path + "\", so its agents fail to start"
		case !fi.Mode().IsRegular() || unix.Access(path, unix.X_OK) != nil:
			why = "T3 Code cannot start claude: \"" + path + "\" is not a file you may execute, so its agents fail to start"
		case launch.IsLauncher(path):
			logger.Info("T3 Code's agents start through claude-launch", "setting", setting, "binaryPath", path)
			continue
		}
		logger.Warn(why+"; set the Claude provider's binary path to claude-launch's absolute path (docs/t3-serve.md, \"T3 Code\")",
			"file", filepath.Join(home, t3Settings), "setting", setting, "value", launcherPath())
	}
}

// bypass is what T3 Code's agents lack when they start without claude-launch.
const bypass = ": its agents do not pass through claude-launch (they keep the token the server started with, and get no agent cgroup of their own)"

// launcherPath is the claude-launch beside this program, else in PATH, else where `make install` puts it.
func launcherPath() string {
	if p, ok := launch.Beside("claude-launch", os.Environ()); ok {
		return p
	}
	return filepath.Join(os.Getenv("HOME"), ".local/bin/claude-launch")
}
