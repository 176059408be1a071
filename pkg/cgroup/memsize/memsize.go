// Package memsize reads and writes memory sizes as systemd and the cgroup files do (12G, 50% of the memory, max); stdlib only, for per-launch use.
// Parse's errors follow the value: `T3_SERVE_LAUNCH_MEMORY_MAX="12Q" ` + err.Error().
package memsize

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"syscall"
)

// Unlimited is a size that does not limit ("max" in cgroup v2, "infinity" to systemd).
const Unlimited = math.MaxUint64

// Parse reads a size as systemd does: bytes, a number with K, M, G or T
// (powers of 1024), a percentage of the physical memory, or infinity/max.
func Parse(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "infinity", "max":
		return Unlimited, nil
	case "":
		return 0, errors.New("is empty; give bytes, a number with K, M, G or T such as 12G, or a percentage of the memory such as 50%")
	}
	if pct, ok := strings.CutSuffix(t, "%"); ok {
		var si syscall.Sysinfo_t
		_ = syscall.Sysinfo(&si) // the machine's memory: left 0, and so refused, when unknown
		total := float64(si.Totalram) * float64(si.Unit)
		p, err := strconv.ParseFloat(pct, 64)
		if err != nil || p < 0 || p > 100 || total == 0 {
			return 0, errors.New("is not a percentage from 0% to 100% of the memory")
		}
		return uint64(total * p / 100), nil
	}
	mult := uint64(1)
	if i := strings.IndexByte("KMGTkmgt", t[len(t)-1]); i >= 0 {
		mult, t = 1<<(10*(i%4+1)), t[:len(t)-1]
	}
	n, err := strconv.ParseUint(t, 10, 64)
	if err != nil || n > math.MaxUint64/mult {
		return 0, errors.New("is not bytes, a number with K, M, G or T such as 12G, or a percentage such as 50%")
	}
	return n * mult, nil
}

// Format prints a size the way Parse reads it.
func Format(n uint64) string {
	if n == Unlimited {
		return "max"
	}
	for i := 4; i > 0; i-- {
		if m := uint64(1) << (10 * i); n >= m && n%m == 0 {
			return strconv.FormatUint(n/m, 10) + "KMGT"[i-1:i]
		}
	}
	return strconv.FormatUint(n, 10)
}
