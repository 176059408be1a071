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

// checkT3Code logs, for each Claude provider setting, whether T3 Code's agents pass through claude-launch,
// and if not, what T3 Code will do and the setting that routes them.
func checkT3Code(logger *log.Logger) {
	home := os.Getenv("HOME")
	if !filepath.IsAbs(home) {
		return
	}
	file := filepath.Join(home, t3Settings)
	b, err := token.ReadSmallFile(file, "T3 Code's settings", token.Owned, "") // bounded, never blocks on a FIFO
	if errors.Is(err, fs.ErrNotExist) {
		b, err = "{}", nil // T3 Code's defaults
	}
	type binPath struct{ BinaryPath string } // encoding/json matches keys to field names regardless of case
	var s struct {
		Providers         struct{ ClaudeAgent binPath }
		ProviderInstances map[string]struct {
			Driver string
			Config binPath
		}
	}
	if err == nil {
		if err = json.Unmarshal([]byte(b), &s); err != nil {
			err = fmt.Errorf("read %s: %w", file, err)
		}
	}
	if err != nil {
		logger.Warn(err.Error())
		return
	}
	// Each setting T3 Code starts claude by: providers.claudeAgent.binaryPath (when set or no instance is),
	// then each providerInstances entry of driver claudeAgent, by name. "" is unset ("claude" from PATH).
	var paths [][2]string
	for _, name := range slices.Sorted(maps.Keys(s.ProviderInstances)) {
		if in := s.ProviderInstances[name]; in.Driver == "claudeAgent" {
			paths = append(paths, [2]string{"providerInstances." + name + ".config.binaryPath", in.Config.BinaryPath})
		}
	}
	if p := s.Providers.ClaudeAgent.BinaryPath; p != "" || len(paths) == 0 {
		paths = append([][2]string{{"providers.claudeAgent.binaryPath", p}}, paths...)
	}
	// What binaryPath should name: the claude-launch beside this program, else in PATH, else where `make install` puts it.
	value, ok := launch.Beside("claude-launch", os.Environ())
	if !ok {
		value = filepath.Join(home, ".local/bin/claude-launch")
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
			"file", file, "setting", setting, "value", value)
	}
}

// bypass is what T3 Code's agents lack when they start without claude-launch.
const bypass = ": its agents do not pass through claude-launch (they keep the token the server started with, and get no agent cgroup of their own)"
