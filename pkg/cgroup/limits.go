package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// v1Unlimited is the smallest value a v1 memory limit shows when it does
// not limit (PAGE_COUNTER_MAX pages, rounded down to a page).
const v1Unlimited = 1 << 62

// Limits are the memory limits in force for a cgroup: the strictest value
// along its ancestors, since a parent's limit caps its children too.
type Limits struct {
	// Version is 2 when the memory controller is on cgroup v2, else 1.
	Version int
	// Dir is the cgroup's directory whose limits were read.
	Dir string
	// High, Max and SwapMax are Unlimited when nothing limits. On cgroup v1
	// High and SwapMax cannot be enforced and read as Unlimited.
	High, Max, SwapMax uint64
	// MaxFrom is the directory whose limit gives Max.
	MaxFrom string
	// OOMGroup reports memory.oom.group (v2): when set, an OOM kill takes
	// every process of the cgroup, not just the one.
	OOMGroup bool
}

// InForce reads the limits in force for a process at loc.
func InForce(h Hierarchy, loc Location) (Limits, error) {
	if h.V2 != "" && h.V2Memory {
		return inForceV2(h.V2, loc.V2)
	}
	if h.V1Memory != "" && loc.V1Memory != "" {
		return inForceV1(h.V1Memory, loc.V1Memory)
	}
	return Limits{}, fmt.Errorf("no memory controller found for this process (cgroup v2 at %q without memory, v1 memory at %q)", h.V2, h.V1Memory)
}

// inForceV2 walks from root+rel up to root. The root cgroup has no limit
// files, and the path of a process outside the cgroup namespace root
// ("/../..") is cleaned to stay within it.
func inForceV2(root, rel string) (Limits, error) {
	dir := filepath.Join(root, filepath.Clean("/"+rel))
	l := Limits{Version: 2, Dir: dir, High: Unlimited, Max: Unlimited, SwapMax: Unlimited}
	if v, err := readValue(filepath.Join(dir, "memory.oom.group")); err == nil {
		l.OOMGroup = v == 1
	}
	for d := dir; ; d = filepath.Dir(d) {
		for _, f := range []struct {
			name string
			dst  *uint64
		}{{"memory.high", &l.High}, {"memory.max", &l.Max}, {"memory.swap.max", &l.SwapMax}} {
			v, err := readValue(filepath.Join(d, f.name))
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				return l, err
			}
			if v < *f.dst {
				*f.dst = v
				if f.name == "memory.max" {
					l.MaxFrom = d
				}
			}
		}
		if d == root || len(d) <= len(root) {
			return l, nil
		}
	}
}

// inForceV1 walks the v1 memory controller. v1 has no memory.high and its
// swap limit (memory.memsw.limit_in_bytes) bounds memory plus swap, so
// only Max is read; High and SwapMax stay Unlimited: not enforceable here.
func inForceV1(root, rel string) (Limits, error) {
	dir := filepath.Join(root, filepath.Clean("/"+rel))
	l := Limits{Version: 1, Dir: dir, High: Unlimited, Max: Unlimited, SwapMax: Unlimited}
	for d := dir; ; d = filepath.Dir(d) {
		v, err := readValue(filepath.Join(d, "memory.limit_in_bytes"))
		if err != nil && !os.IsNotExist(err) {
			return l, err
		}
		if err == nil && v < v1Unlimited && v < l.Max {
			l.Max, l.MaxFrom = v, d
		}
		if d == root || len(d) <= len(root) {
			return l, nil
		}
	}
}

// readValue reads a cgroup file holding a number or "max".
func readValue(p string) (uint64, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return Unlimited, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read %s: %q is not a number or max", p, s)
	}
	return v, nil
}

// OwnLimits reads the limits set on the cgroup at loc itself, not its
// ancestors': a cap on a parent slice that other units share is not this
// unit's cap.
func OwnLimits(h Hierarchy, loc Location) (Limits, error) {
	if h.V2 != "" && h.V2Memory {
		dir := filepath.Join(h.V2, filepath.Clean("/"+loc.V2))
		l := Limits{Version: 2, Dir: dir, High: Unlimited, Max: Unlimited, SwapMax: Unlimited, MaxFrom: dir}
		for _, f := range []struct {
			name string
			dst  *uint64
		}{{"memory.high", &l.High}, {"memory.max", &l.Max}, {"memory.swap.max", &l.SwapMax}} {
			v, err := readValue(filepath.Join(dir, f.name))
			if err != nil && !os.IsNotExist(err) {
				return l, err
			}
			if err == nil {
				*f.dst = v
			}
		}
		if v, err := readValue(filepath.Join(dir, "memory.oom.group")); err == nil {
			l.OOMGroup = v == 1
		}
		return l, nil
	}
	if h.V1Memory != "" && loc.V1Memory != "" {
		dir := filepath.Join(h.V1Memory, filepath.Clean("/"+loc.V1Memory))
		l := Limits{Version: 1, Dir: dir, High: Unlimited, Max: Unlimited, SwapMax: Unlimited, MaxFrom: dir}
		if v, err := readValue(filepath.Join(dir, "memory.limit_in_bytes")); err == nil && v < v1Unlimited {
			l.Max = v
		}
		return l, nil
	}
	return Limits{}, fmt.Errorf("no memory controller found for this process (cgroup v2 at %q without memory, v1 memory at %q)", h.V2, h.V1Memory)
}
