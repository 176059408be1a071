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

// Hierarchy says where the cgroup file systems that matter are mounted.
type Hierarchy struct {
	// V2 is the mount point of cgroup2 ("" if none).
	V2 string
	// V2Memory reports whether the memory controller is on cgroup2.
	V2Memory bool
	// V1Memory is the mount point of the v1 memory controller ("" if none),
	// as on hybrid hosts.
	V1Memory string
}

// DetectHierarchy finds the cgroup mounts under /sys/fs/cgroup: pure v2
// (cgroup2 at the top), hybrid (cgroup2 at unified/, memory on v1) or
// legacy v1.
func DetectHierarchy() (Hierarchy, error) {
	return detectHierarchy("/sys/fs/cgroup")
}

func detectHierarchy(root string) (Hierarchy, error) {
	var h Hierarchy
	for _, p := range []string{root, filepath.Join(root, "unified")} {
		var st unix.Statfs_t
		if unix.Statfs(p, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			h.V2 = p
			break
		}
	}
	if h.V2 != "" {
		if b, err := os.ReadFile(filepath.Join(h.V2, "cgroup.controllers")); err == nil {
			h.V2Memory = slices.Contains(strings.Fields(string(b)), "memory")
		}
	}
	var st unix.Statfs_t
	mem := filepath.Join(root, "memory")
	if unix.Statfs(mem, &st) == nil && st.Type == unix.CGROUP_SUPER_MAGIC {
		h.V1Memory = mem
	}
	if h.V2 == "" && h.V1Memory == "" {
		return h, errors.New("no cgroup file system under " + root + ": memory caps cannot be read or set here")
	}
	return h, nil
}

// Location is where a process is in each hierarchy: paths relative to the
// hierarchy's root, as /proc/PID/cgroup gives them.
type Location struct {
	// V2 is the cgroup2 path (the "0::" line), "" if none.
	V2 string
	// V1Memory is the path in the v1 memory controller, "" if none.
	V1Memory string
}

// Locate reads /proc/PID/cgroup (pid 0: this process).
func Locate(pid int) (Location, error) {
	v2, v1, err := kernfile.Cgroups(pid)
	if err != nil {
		return Location{}, fmt.Errorf("read cgroup membership: %w", err)
	}
	return Location{V2: v2, V1Memory: v1}, nil
}
