package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/pkg/token"
)

// BenchmarkStartup measures whole processes, each exec'ing /bin/true as
// its "claude": the bash script claude-launch replaces, a Go program that
// only execs (the floor of any Go launcher), and claude-launch on its fast
// path (env file present) and its SSO paths (fresh negative cache; no Vault
// token). cpu-ns/op is the user+system CPU of the process and its exec'd
// child, the number the budget is stated in; scripts/bench.sh turns the
// results into ratios.
func BenchmarkStartup(b *testing.B) {
	floor := filepath.Join(b.TempDir(), "floor")
	if out, err := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", floor, "./testdata/floor").CombinedOutput(); err != nil {
		b.Fatalf("build floor: %v\n%s", err, out)
	}
	launcher := filepath.Join(binDir, "claude-launch")

	home := b.TempDir()
	fast := []string{"HOME=" + home}
	envFile := token.DefaultEnvFile(func(k string) string { return map[string]string{"HOME": home}[k] })
	tok, _ := token.NewSecret(token.Prefix + "BENCHtoken_0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789abcdefAA")
	if err := token.WriteEnvFile(envFile, tok); err != nil {
		b.Fatal(err)
	}

	ssoHome := b.TempDir()
	sso := []string{"HOME=" + ssoHome, "VAULT_TOKEN=t", "VAULT_ADDR=http://127.0.0.1:1"}
	cfg, _ := token.ConfigFromEnv(func(k string) string {
		return map[string]string{"HOME": ssoHome, "VAULT_ADDR": "http://127.0.0.1:1"}[k]
	})
	if err := token.PrivateDir(filepath.Dir(cfg.EnvFile)); err != nil {
		b.Fatal(err)
	}
	neg := token.NewNegativeCache(cfg)
	neg.TTL = 24 * time.Hour
	if err := neg.Record(token.OutcomeAbsent); err != nil {
		b.Fatal(err)
	}
	ssoEnv := append(sso, token.EnvNegativeTTL+"=24h")
	plain := []string{"HOME=" + b.TempDir()}

	for _, bc := range []struct {
		name string
		path string
		env  []string
	}{
		{"bash", "testdata/start-claude.sh", fast},
		{"go-floor", floor, fast},
		{"fast", launcher, fast},
		{"sso-negative-cache", launcher, ssoEnv},
		{"sso-no-vault", launcher, plain},
	} {
		b.Run(bc.name, func(b *testing.B) {
			env := append([]string{"PATH=/usr/bin:/bin", "CLAUDE_LAUNCH_CLAUDE=/bin/true"}, bc.env...)
			var cpu time.Duration
			for b.Loop() {
				cmd := exec.Command(bc.path, "--flag", "arg")
				cmd.Env = env
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
	_ = os.Remove(envFile)
}
