// Package version says which build of claude-launch is running, for --version and status reports.
package version

import "github.com/claude-launch/claude-launch/internal/buildinfo"

// version is set at build time by the Makefile (-ldflags -X …/internal/version.version=…).
var version string

// String is this build's version: the one set at build time, else the module version or VCS revision Go recorded in this executable.
func String() string {
	if version != "" {
		return version
	}
	return buildinfo.Version(buildinfo.ModInfo("/proc/self/exe"))
}
