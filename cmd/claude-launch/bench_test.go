package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/pkg/token"
)

// BenchmarkStartup measures whole processes, each exec'ing /bin/true as
// its "claude": the bash script claude-launch replaces, a Go program that
// only execs (the floor of any Go launcher), and claude-launch on its fast
// path (env file present) and its SSO paths (fresh negative cache; no Vault
// token). The metrics are the user+system CPU of each process and its
// exec'd child (the number the budget is stated in), and each launcher
// case's ratio to the floor and to bash; scripts/bench.sh takes medians.
func BenchmarkStartup(b *testing.B) {
	// Release builds, as installed, even when the tests run with -cover.
	bin := b.TempDir()
	floor := filepath.Join(bin, "floor")
	launcher := filepath.Join(bin, "claude-launch")
	for out, pkg := range map[string]string{floor: "./testdata/floor", launcher: "."} {
		if o, err := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg).CombinedOutput(); err != nil {
			b.Fatalf("build %s: %v\n%s", pkg, err, o)
		}
	}

	home := b.TempDir()
	fast := []string{"HOME=" + home}
	envFile := config.DefaultEnvFile(func(k string) string { return map[string]string{"HOME": home}[k] })
	tok, _ := token.NewSecret(token.Prefix + "BENCHtoken_0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789abcdefAA")
	if err := store.WriteEnvFile(envFile, tok); err != nil {
		b.Fatal(err)
	}

	ssoHome := b.TempDir()
	ssoEnv := []string{"HOME=" + ssoHome, "VAULT_TOKEN=t", "VAULT_ADDR=http://127.0.0.1:1", config.EnvNegativeTTL + "=24h"}
	cfg, _ := config.Load(config.Input{Environ: ssoEnv})
	if err := store.EnsureDir(filepath.Dir(cfg.EnvFile), store.EnvFileHint); err != nil {
		b.Fatal(err)
	}
	if err := store.RecordNegative(cfg.NegativeCache(), token.OutcomeAbsent); err != nil {
		b.Fatal(err)
	}
	plain := []string{"HOME=" + b.TempDir()}

	cases := []struct {
		name string
		path string
		env  []string
		cpu  time.Duration
	}{
		{"bash", "testdata/start-claude.sh", fast, 0},
		{"go-floor", floor, fast, 0},
		{"fast", launcher, fast, 0},
		{"sso-negative-cache", launcher, ssoEnv, 0},
		{"sso-no-vault", launcher, plain, 0},
	}
	// The cases take turns, one run each per round, starting at a different
	// case each round: drift in the machine's speed then hits them alike,
	// which sequential sub-benchmarks would not.
	round := 0
	for b.Loop() {
		for j := range cases {
			c := &cases[(round+j)%len(cases)]
			cmd := exec.Command(c.path, "--flag", "arg")
			cmd.Env = append([]string{"PATH=/usr/bin:/bin", config.EnvClaude + "=/bin/true"}, c.env...)
			if err := cmd.Run(); err != nil {
				b.Fatalf("%s: %v", c.name, err)
			}
			c.cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		round++
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(round) }
	for _, c := range cases {
		b.ReportMetric(per(c.cpu), c.name+"-cpu-ms/op")
	}
	floorCPU, bashCPU := cases[1].cpu, cases[0].cpu
	for _, c := range cases[2:] {
		b.ReportMetric(float64(c.cpu)/float64(floorCPU), c.name+"/go-floor")
		b.ReportMetric(float64(c.cpu)/float64(bashCPU), c.name+"/bash")
	}
	b.ReportMetric(float64(floorCPU)/float64(bashCPU), "go-floor/bash")
	_ = os.Remove(envFile)
}
