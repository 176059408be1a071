package launch

import "github.com/claude-launch/claude-launch/internal/buildinfo"

// LauncherPackage is the main package of claude-launch, as its Go build
// info records it.
const LauncherPackage = "github.com/claude-launch/claude-launch/cmd/claude-launch"

// IsLauncher reports whether the executable at path is a build of
// claude-launch, any version, any copy: the PATH search skips them all, so
// that two launchers installed as claude cannot exec each other. Anything
// that is not a Go program with that main package (a script, the real
// claude) is not one.
func IsLauncher(path string) bool {
	return buildinfo.MainPackage(path) == LauncherPackage
}
