package launch

import (
	"errors"
	"github.com/claude-launch/claude-launch/internal/errs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotFound means no real program was found.
var ErrNotFound = errors.New("not found")

// Found is a program to exec, with the argv[0] a shell would give it.
type Found struct {
	Path  string
	Argv0 string
}

// Find locates the real program: explicit (a path from the environment,
// such as CLAUDE_LAUNCH_CLAUDE) when set, else the first executable called
// name in pathList that is not this very launcher. Installing the launcher
// as a file called claude earlier in PATH therefore cannot make it exec
// itself. envName names the explicit variable in messages.
func Find(name, explicit, envName, pathList string) (Found, error) {
	self, selfErr := os.Stat("/proc/self/exe")
	isSelf := func(fi os.FileInfo) bool { return selfErr == nil && os.SameFile(self, fi) }
	if explicit != "" {
		fi, err := os.Stat(explicit)
		switch {
		case err != nil:
			return Found{}, errs.Wrap(envName+"="+explicit+": ", err, "; point it at the real "+name)
		case !executable(fi):
			return Found{}, errors.New(envName + "=" + explicit + " is not an executable file; point it at the real " + name)
		case isSelf(fi):
			return Found{}, errors.New(envName + "=" + explicit + " is this launcher, not the real " + name + "; point it at the real " + name)
		}
		return Found{Path: explicit, Argv0: explicit}, nil
	}
	skipped := false
	for _, dir := range filepath.SplitList(pathList) {
		if !filepath.IsAbs(dir) { // "" and relative entries: never run from the current directory
			continue
		}
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		if err != nil || !executable(fi) {
			continue
		}
		if isSelf(fi) {
			skipped = true
			continue
		}
		return Found{Path: p, Argv0: name}, nil
	}
	why := ""
	if skipped {
		why = " other than this launcher"
	}
	return Found{}, errs.Wrap("", ErrNotFound, ": no "+name+why+" in PATH; install it or set "+envName+" to its path")
}

func executable(fi os.FileInfo) bool {
	return fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// SelfDir is the directory of the running executable, "" if unknown.
func SelfDir() string {
	p, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return ""
	}
	return filepath.Dir(strings.TrimSuffix(p, " (deleted)"))
}
