package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
)

// BenchmarkClusterSync is one `claude-auth-sync sync` process against the
// three-node TLS cluster of TestVaultCluster, logged in with userpass:
// VAULT_ADDR at the active node, and at a standby (which forwards).
//
//	go test -run '^$' -bench ClusterSync -benchtime 20x ./cmd/claude-launch
func BenchmarkClusterSync(b *testing.B) {
	c := testenv.StartCluster(b, 3)
	f := newFleet(b, c, "alice")
	home := b.TempDir()
	for _, n := range []struct {
		name string
		node *testenv.Node
	}{{"active", c.Nodes[c.Leader()]}, {"standby", c.Nodes[c.Standbys()[0]]}} {
		env := f.env("alice", "alice", n.node, home)
		if out, err := f.run(env, fleetToken("alice-bench")+"\n", "claude-auth-sync", "enable"); err != nil {
			b.Fatalf("enable: %v\n%s", err, out)
		}
		b.Run(n.name, func(b *testing.B) {
			for b.Loop() {
				if out, err := f.run(env, "", "claude-auth-sync", "sync"); err != nil {
					b.Fatalf("sync: %v\n%s", err, out)
				}
			}
		})
	}
}

// BenchmarkClusterColdLaunches is 50 people's first launch at once, each
// with no env file yet, against the cluster (VAULT_ADDR spread over the
// three nodes): each launch runs claude-auth-sync, which reads the
// person's secret once. It reports the reads per person and launch (the
// audit log's count; 1 is the goal) and the spread of the launches' waits
// (median, 90th percentile, longest).
//
//	go test -run '^$' -bench ClusterColdLaunches -benchtime 5x ./cmd/claude-launch
func BenchmarkClusterColdLaunches(b *testing.B) {
	const people = 50
	c := testenv.StartCluster(b, 3)
	var names []string
	for i := range people {
		names = append(names, fmt.Sprintf("u%02d", i))
	}
	f := newFleet(b, c, names...)
	if err := c.EnableAudit(); err != nil {
		b.Fatal(err)
	}
	homes := make([]string, people)
	envs := make([][]string, people)
	for i, u := range names {
		homes[i] = b.TempDir()
		envs[i] = f.env(u, u, c.Nodes[i%3], homes[i])
		if out, err := f.run(envs[i], fleetToken(u)+"\n", "claude-auth-sync", "enable"); err != nil {
			b.Fatalf("%s enable: %v\n%s", u, err, out)
		}
	}
	readsOf := func() int {
		n := 0
		for _, u := range names {
			r, err := c.Reads("secret/data/users/" + u + "/claude")
			if err != nil {
				b.Fatal(err)
			}
			n += r
		}
		return n
	}
	before := readsOf()
	var waits []time.Duration
	for b.Loop() {
		b.StopTimer()
		for _, h := range homes { // cold: no env file, no negative cache
			if err := os.RemoveAll(filepath.Join(h, ".config")); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		var (
			mu sync.Mutex
			wg sync.WaitGroup
		)
		for i := range people {
			wg.Go(func() {
				start := time.Now()
				out, errOut, err := f.run2(envs[i], "", "claude-launch")
				took := time.Since(start)
				want, _ := token.NewSecret(fleetToken(names[i]))
				if err != nil || tokenLine.FindStringSubmatch(out) == nil || tokenLine.FindStringSubmatch(out)[1] != fingerprint.Of(want) {
					b.Errorf("%s's cold launch did not start claude with their token: %v\n%s%s", names[i], err, out, errOut)
				}
				mu.Lock()
				waits = append(waits, took)
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	reads := readsOf() - before
	slices.Sort(waits)
	at := func(q float64) float64 {
		return float64(waits[int(q*float64(len(waits)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(reads)/float64(people*b.N), "reads/launch")
	b.ReportMetric(at(0.5), "p50-wait-ms")
	b.ReportMetric(at(0.9), "p90-wait-ms")
	b.ReportMetric(at(1), "max-wait-ms")
}
