// Package cgroup puts a server under memory caps before it execs it, so that a runaway child dies alone: in the caps
// of its service unit, or in a capped transient scope made over D-Bus. On cgroup v2 it lays out the delegated subtree
// (package agentcg) and the Watcher bounds the server's other children. It never logs or exits (docs/t3-serve.md).
package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/claude-launch/claude-launch/pkg/cgroup/memsize"
	"github.com/claude-launch/claude-launch/pkg/kernfile"
)

// Unlimited is a limit that does not limit ("max" in cgroup v2).
const Unlimited = memsize.Unlimited

// FormatSize prints a size as the cgroup files and systemd write it: 12G, max.
func FormatSize(n uint64) string { return memsize.Format(n) }

// Caps are a server's MemoryHigh (throttles), MemoryMax (OOM-kills), MemorySwapMax (0: no swap) and OOMPolicy
// (what systemd does to the unit at an OOM kill: "continue" keeps the server).
type Caps struct {
	High, Max, SwapMax uint64
	OOMPolicy          string
}

// Validate checks that the caps make sense together.
func (c Caps) Validate() error {
	if !slices.Contains([]string{"continue", "stop", "kill"}, c.OOMPolicy) {
		return fmt.Errorf("OOM policy %q is not continue, stop or kill", c.OOMPolicy)
	}
	if c.Max == 0 {
		return errors.New("memory max 0 would kill the server at once; give a size such as 16G")
	}
	if c.High > c.Max && c.Max != Unlimited {
		return fmt.Errorf("memory high (%s) is above memory max (%s): it would never throttle", FormatSize(c.High), FormatSize(c.Max))
	}
	return nil
}

// Gap is a cap not in force, and whether nothing here can enforce it (MemoryHigh, MemorySwapMax on v1).
type Gap struct {
	Cap, Want, Have string
	Unenforceable   bool
}

func (g Gap) String() string {
	s := g.Cap + "=" + g.Want + " (in force: " + g.Have + ")"
	if g.Unenforceable {
		s += ", which cgroup v1 cannot enforce"
	}
	return s
}

// Gaps lists the caps that the limits do not put in force; a stricter limit counts as in force.
func Gaps(l Limits, c Caps) []Gap {
	var gaps []Gap
	add := func(name string, want, have uint64, v1 bool) {
		if have > want {
			gaps = append(gaps, Gap{Cap: name, Want: FormatSize(want), Have: FormatSize(have), Unenforceable: v1 && l.Version == 1})
		}
	}
	add("MemoryHigh", c.High, l.High, true)
	add("MemoryMax", c.Max, l.Max, false)
	add("MemorySwapMax", c.SwapMax, l.SwapMax, true)
	return gaps
}

// Satisfied reports whether gaps leave nothing that could be put in force.
func Satisfied(gaps []Gap) bool {
	return !slices.ContainsFunc(gaps, func(g Gap) bool { return !g.Unenforceable })
}

// Describe joins gaps for a message.
func Describe(gaps []Gap) string {
	s := make([]string, len(gaps))
	for i, g := range gaps {
		s[i] = g.String()
	}
	return strings.Join(s, "; ")
}

// Hierarchy is where cgroup2 and the v1 memory controller (hybrid hosts) are mounted ("" for none), and whether cgroup2 has memory.
type Hierarchy struct {
	V2, V1Memory string
	V2Memory     bool
}

// DetectHierarchy finds the cgroup mounts: pure v2, hybrid (cgroup2 at unified/, memory on v1) or legacy v1.
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

// Location is a process's cgroup in each hierarchy, as /proc/PID/cgroup gives it.
type Location struct{ V2, V1Memory string }

// Locate reads /proc/PID/cgroup (pid 0: this process).
func Locate(pid int) (Location, error) {
	v2, v1, err := kernfile.Cgroups(pid)
	if err != nil {
		return Location{}, fmt.Errorf("read cgroup membership: %w", err)
	}
	return Location{V2: v2, V1Memory: v1}, nil
}

// Limits are those set on the cgroup Dir itself, of cgroup Version 2 or 1: Unlimited when nothing limits
// (High and SwapMax always on v1); OOMGroup is memory.oom.group (v2).
type Limits struct {
	Version            int
	Dir                string
	High, Max, SwapMax uint64
	OOMGroup           bool
}

// readValue reads a cgroup file holding a number or "max".
func readValue(p string) (uint64, error) {
	b, err := os.ReadFile(p)
	s := strings.TrimSpace(string(b))
	if err != nil || s == "max" {
		return Unlimited, err
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read %s: %q is not a number or max", p, s)
	}
	return v, nil
}

// OwnLimits reads the limits set on the cgroup at loc itself: a cap on a parent slice other units share is not its own.
func OwnLimits(h Hierarchy, loc Location) (Limits, error) {
	l := Limits{High: Unlimited, Max: Unlimited, SwapMax: Unlimited}
	switch {
	case h.V2 != "" && h.V2Memory:
		l.Version, l.Dir = 2, filepath.Join(h.V2, filepath.Clean("/"+loc.V2))
		dst := []*uint64{&l.High, &l.Max, &l.SwapMax}
		for i, f := range []string{"memory.high", "memory.max", "memory.swap.max"} {
			switch v, err := readValue(filepath.Join(l.Dir, f)); {
			case err == nil:
				*dst[i] = v
			case !os.IsNotExist(err):
				return l, err
			}
		}
		v, err := readValue(filepath.Join(l.Dir, "memory.oom.group"))
		l.OOMGroup = err == nil && v == 1
	case h.V1Memory != "" && loc.V1Memory != "":
		l.Version, l.Dir = 1, filepath.Join(h.V1Memory, filepath.Clean("/"+loc.V1Memory))
		// A v1 limit that does not limit shows at least 1<<62 (PAGE_COUNTER_MAX pages).
		if v, err := readValue(filepath.Join(l.Dir, "memory.limit_in_bytes")); err == nil && v < 1<<62 {
			l.Max = v
		}
	default:
		return Limits{}, fmt.Errorf("no memory controller found for this process (cgroup v2 at %q without memory, v1 memory at %q)", h.V2, h.V1Memory)
	}
	return l, nil
}
