package cgroup

import (
	"slices"
	"strings"
)

// Gap is a cap that is not in force.
type Gap struct {
	// Cap is the systemd property; Want and Have the wanted and effective sizes.
	Cap, Want, Have string
	// Unenforceable: nothing here can put it in force (MemoryHigh, MemorySwapMax on v1).
	Unenforceable bool
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
