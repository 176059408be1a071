package launch

import (
	"cmp"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/claude-launch/claude-launch/internal/buildinfo"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// ErrNotFound means no real program was found.
var ErrNotFound = errors.New("not found")

// Found is a program to exec, with the argv[0] a shell would give it.
type Found struct {
	Path  string
	Argv0 string
}

// Find locates the real program name, or explicit (a path or name) from the setting
// envName: in PATH, the first executable that is not a launcher, never a relative entry.
func Find(name, explicit, envName, pathList string) (Found, error) {
	var self syscall.Stat_t // syscall.Stat, not os.Stat: no FileInfo to allocate
	selfErr := syscall.Stat("/proc/self/exe", &self)
	isLauncher := func(p string, st *syscall.Stat_t) bool {
		return selfErr == nil && st.Dev == self.Dev && st.Ino == self.Ino || IsLauncher(p)
	}
	var st syscall.Stat_t
	if filepath.IsAbs(explicit) {
		switch err := syscall.Stat(explicit, &st); {
		case err != nil:
			return Found{}, token.Wrap(envName+"="+explicit+": ", &os.PathError{Op: "stat", Path: explicit, Err: err}, "; point it at the real "+name)
		case !executable(&st):
			return Found{}, errors.New(envName + "=" + explicit + " is not an executable file; point it at the real " + name)
		case isLauncher(explicit, &st):
			return Found{}, errors.New(envName + "=" + explicit + " is a claude-launch, not the real " + name + "; point it at the real " + name)
		}
		return Found{Path: explicit, Argv0: explicit}, nil
	}
	want, skipped := cmp.Or(explicit, name), false // a bare explicit name is searched like name
	for _, dir := range filepath.SplitList(pathList) {
		if !filepath.IsAbs(dir) { // "" and relative entries: never run from the current directory
			continue
		}
		p := filepath.Join(dir, want)
		if syscall.Stat(p, &st) != nil || !executable(&st) {
			continue
		}
		if isLauncher(p, &st) {
			skipped = true
			continue
		}
		return Found{Path: p, Argv0: want}, nil
	}
	if skipped {
		want += " other than claude-launch"
	}
	return Found{}, token.Wrap("", ErrNotFound, ": no "+want+" in PATH; install it or set "+envName+" to its path")
}

func executable(st *syscall.Stat_t) bool {
	return st.Mode&syscall.S_IFMT == syscall.S_IFREG && st.Mode&0o111 != 0
}

// Beside finds the program name beside this executable, else in the absolute entries of environ's PATH.
func Beside(name string, environ []string) (string, bool) {
	path, _ := config.LookupEnv(environ, "PATH")
	self, _ := os.Readlink("/proc/self/exe") // "" gives ".", which is skipped
	for _, dir := range append([]string{filepath.Dir(strings.TrimSuffix(self, " (deleted)"))}, filepath.SplitList(path)...) {
		var st syscall.Stat_t
		if p := filepath.Join(dir, name); filepath.IsAbs(dir) && syscall.Stat(p, &st) == nil && executable(&st) {
			return p, true
		}
	}
	return "", false
}

// IsLauncher reports whether the executable at path is any build of claude-launch: the PATH search skips them all.
func IsLauncher(path string) bool {
	return buildinfo.MainPackage(path) == "github.com/claude-launch/claude-launch/cmd/claude-launch"
}
