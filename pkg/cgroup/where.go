package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/claude-launch/claude-launch/pkg/kernfile"
)

// Hierarchy says where the cgroup file systems that matter are mounted: V2
// is cgroup2's mount point, V2Memory whether it has the memory controller,
// V1Memory the v1 memory controller's mount (hybrid hosts); "" for none.
type Hierarchy struct {
	V2       string
	V2Memory bool
	V1Memory string
}

// DetectHierarchy finds the cgroup mounts under /sys/fs/cgroup: pure v2
// (cgroup2 at the top), hybrid (cgroup2 at unified/, memory on v1) or legacy v1.
func DetectHierarchy() (Hierarchy, error) {
	const root = "/sys/fs/cgroup"
	var h Hierarchy
	var st unix.Statfs_t
	for _, p := range []string{root, root + "/unified"} {
		if unix.Statfs(p, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			b, _ := os.ReadFile(filepath.Join(p, "cgroup.controllers"))
			h.V2, h.V2Memory = p, slices.Contains(strings.Fields(string(b)), "memory")
			break
		}
	}
	if unix.Statfs(root+"/memory", &st) == nil && st.Type == unix.CGROUP_SUPER_MAGIC {
		h.V1Memory = root + "/memory"
	}
	if h.V2 == "" && h.V1Memory == "" {
		return h, errors.New("no cgroup file system under " + root + ": memory caps cannot be read or set here")
	}
	return h, nil
}

// Location is where a process is in each hierarchy, relative to its root as
// /proc/PID/cgroup gives it: V2 the "0::" line, V1Memory the v1 memory path.
type Location struct{ V2, V1Memory string }

// Locate reads /proc/PID/cgroup (pid 0: this process).
func Locate(pid int) (Location, error) {
	v2, v1, err := kernfile.Cgroups(pid)
	if err != nil {
		return Location{}, fmt.Errorf("read cgroup membership: %w", err)
	}
	return Location{V2: v2, V1Memory: v1}, nil
}
