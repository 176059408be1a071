package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// v1Unlimited is the least a v1 memory limit shows when it does not limit (PAGE_COUNTER_MAX pages).
const v1Unlimited = 1 << 62

// Limits are the memory limits set on one cgroup (Dir) itself, on the memory
// controller of cgroup Version 2 or 1. High, Max and SwapMax are Unlimited when
// nothing limits (High and SwapMax always on v1); OOMGroup is memory.oom.group (v2).
type Limits struct {
	Version            int
	Dir                string
	High, Max, SwapMax uint64
	OOMGroup           bool
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
// ancestors': a cap on a parent slice that other units share is not this unit's.
func OwnLimits(h Hierarchy, loc Location) (Limits, error) {
	if h.V2 != "" && h.V2Memory {
		dir := filepath.Join(h.V2, filepath.Clean("/"+loc.V2))
		l := Limits{Version: 2, Dir: dir, High: Unlimited, Max: Unlimited, SwapMax: Unlimited}
		dst := []*uint64{&l.High, &l.Max, &l.SwapMax}
		for i, f := range []string{"memory.high", "memory.max", "memory.swap.max"} {
			switch v, err := readValue(filepath.Join(dir, f)); {
			case err == nil:
				*dst[i] = v
			case !os.IsNotExist(err):
				return l, err
			}
		}
		if v, err := readValue(filepath.Join(dir, "memory.oom.group")); err == nil {
			l.OOMGroup = v == 1
		}
		return l, nil
	}
	if h.V1Memory != "" && loc.V1Memory != "" {
		dir := filepath.Join(h.V1Memory, filepath.Clean("/"+loc.V1Memory))
		l := Limits{Version: 1, Dir: dir, High: Unlimited, Max: Unlimited, SwapMax: Unlimited}
		if v, err := readValue(filepath.Join(dir, "memory.limit_in_bytes")); err == nil && v < v1Unlimited {
			l.Max = v
		}
		return l, nil
	}
	return Limits{}, fmt.Errorf("no memory controller found for this process (cgroup v2 at %q without memory, v1 memory at %q)", h.V2, h.V1Memory)
}
