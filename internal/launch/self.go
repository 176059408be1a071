package launch

import "github.com/claude-launch/claude-launch/internal/buildinfo"

// LauncherPackage is claude-launch's main package, as its build info records it.
const LauncherPackage = "github.com/claude-launch/claude-launch/cmd/claude-launch"

// IsLauncher reports whether the executable at path is any build of
// claude-launch: the PATH search skips them all, so that launchers installed
// as claude cannot exec each other.
func IsLauncher(path string) bool {
	return buildinfo.MainPackage(path) == LauncherPackage
}
