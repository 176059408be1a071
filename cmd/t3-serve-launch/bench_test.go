package main

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/testenv/systemdtest"
)

// BenchmarkScope times what a person starting the server by hand waits
// for: t3-serve-launch creating its capped scope (and reading it back,
// and laying out the agents' cgroups where it can) and exec'ing a server
// that exits at once, against `systemd-run --scope` with the same
// properties and the same server, on the same systemd, turn about, so
// that drift in the machine's speed hits both alike. Wall time; both run
// through nsenter into the namespaces, which costs each the same.
//
//	go test -run '^$' -bench Scope ./cmd/t3-serve-launch   (make bench)
func BenchmarkScope(b *testing.B) {
	s := systemdtest.Start(b, map[string]string{})
	props := []string{"-p", "MemoryHigh=48M", "-p", "MemoryMax=64M", "-p", "MemorySwapMax=0", "-p", "OOMPolicy=continue", "-p", "Delegate=yes"}
	run := func(cmd *exec.Cmd) time.Duration {
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", cmd.Args, err, out)
		}
		return time.Since(start)
	}
	var ours, theirs time.Duration
	for i := 0; b.Loop(); i++ {
		sr := s.Command("systemd-run", append(append([]string{"--scope", "-q"}, props...), "/bin/true")...)
		theirs += run(sr)
		tl := s.Command(bin, "--memory-high", "48M", "--memory-max", "64M")
		tl.Env = append(os.Environ(), "T3_SERVE_LAUNCH_SERVER=/bin/true", "HOME="+b.TempDir())
		ours += run(tl)
	}
	n := float64(b.N)
	b.ReportMetric(float64(ours.Microseconds())/1000/n, "t3-serve-launch-ms/op")
	b.ReportMetric(float64(theirs.Microseconds())/1000/n, "systemd-run-ms/op")
	b.ReportMetric(float64(ours)/float64(theirs), "ratio")
}
