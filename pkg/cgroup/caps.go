package cgroup

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Unlimited is a limit that does not limit ("max" in cgroup v2).
const Unlimited = math.MaxUint64

// Caps are the limits a server must run under.
type Caps struct {
	// High is the throttling threshold (MemoryHigh, memory.high).
	High uint64
	// Max is the hard limit; past it the kernel OOM-kills inside the cgroup
	// (MemoryMax, memory.max).
	Max uint64
	// SwapMax bounds swap use; 0 forbids swapping (MemorySwapMax,
	// memory.swap.max).
	SwapMax uint64
	// OOMPolicy is what systemd does to the unit when one of its processes
	// is OOM-killed; "continue" keeps the server running.
	OOMPolicy string
}

// DefaultCaps are the caps of t3-serve: a runaway agent is throttled at
// 12G, killed at 16G, never swaps, and its death leaves the server running.
var DefaultCaps = Caps{High: 12 << 30, Max: 16 << 30, SwapMax: 0, OOMPolicy: "continue"}

// Validate checks that the caps make sense together.
func (c Caps) Validate() error {
	switch c.OOMPolicy {
	case "continue", "stop", "kill":
	default:
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

// ParseSize parses a size as systemd does: bytes, or a number with K, M, G
// or T (powers of 1024), or "infinity"/"max".
func ParseSize(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "infinity", "max":
		return Unlimited, nil
	case "":
		return 0, errors.New("empty size; give bytes or a number with K, M, G or T, such as 12G")
	}
	mult := uint64(1)
	switch t[len(t)-1] {
	case 'K', 'k':
		mult = 1 << 10
	case 'M', 'm':
		mult = 1 << 20
	case 'G', 'g':
		mult = 1 << 30
	case 'T', 't':
		mult = 1 << 40
	}
	if mult > 1 {
		t = t[:len(t)-1]
	}
	n, err := strconv.ParseUint(t, 10, 64)
	if err != nil || n > math.MaxUint64/mult {
		return 0, fmt.Errorf("size %q is not bytes or a number with K, M, G or T, such as 12G", s)
	}
	return n * mult, nil
}

// FormatSize prints a size the way ParseSize reads it.
func FormatSize(n uint64) string {
	if n == Unlimited {
		return "max"
	}
	for _, u := range []struct {
		s string
		m uint64
	}{{"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if n >= u.m && n%u.m == 0 {
			return strconv.FormatUint(n/u.m, 10) + u.s
		}
	}
	return strconv.FormatUint(n, 10)
}
