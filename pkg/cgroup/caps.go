package cgroup

import (
	"errors"
	"fmt"

	"github.com/claude-launch/claude-launch/pkg/cgroup/memsize"
)

// Unlimited is a limit that does not limit ("max" in cgroup v2).
const Unlimited = memsize.Unlimited

// FormatSize prints a size as the cgroup files and systemd write it: 12G, max.
func FormatSize(n uint64) string { return memsize.Format(n) }

// Caps are the limits a server must run under.
type Caps struct {
	// High throttles (MemoryHigh), Max OOM-kills (MemoryMax), SwapMax bounds
	// swap, 0 forbids it (MemorySwapMax).
	High, Max, SwapMax uint64
	// OOMPolicy is what systemd does to the unit at an OOM kill; "continue" keeps the server.
	OOMPolicy string
}

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
