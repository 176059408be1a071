package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
)

// TestRotationUnderLoad: while Vault's token is rotated again and again,
// syncs and launches run at once and a watcher reads the env file without
// pause. No torn or empty env file is ever seen, every launch gets the old
// or the new token (never a mix, never none once one was written), and no
// temporary file is left.
func TestRotationUnderLoad(t *testing.T) {
	v, me, userToken := testenv.StartUserVault(t)
	a, _ := token.NewSecret(testToken)
	b, _ := token.NewSecret(newToken)
	put := func(s token.Secret) {
		if _, err := v.Client.KVv2("secret").Put(context.Background(), "users/"+me+"/claude", map[string]any{"setup_token": s.Reveal()}); err != nil {
			t.Error(err)
		}
	}
	put(a)
	home := t.TempDir()
	fake := filepath.Join(home, "fake", "claude")
	writeExe(t, fake, fakeClaude)
	env := []string{"HOME=" + home, "PATH=" + binDir + ":/usr/bin:/bin", config.EnvClaude + "=" + fake,
		"VAULT_ADDR=" + v.Addr, "VAULT_TOKEN=" + userToken, config.EnvVaultTimeout + "=10s", config.EnvNegativeTTL + "=1ns"}
	env = testenv.CoverEnv(env)
	envFile := config.DefaultEnvFile(func(k string) string { return map[string]string{"HOME": home}[k] })
	run := func(prog string, args ...string) (string, error) {
		cmd := exec.Command(filepath.Join(binDir, prog), args...)
		cmd.Env = env
		out, err := cmd.Output()
		return string(out), err
	}
	if _, err := run("claude-auth-sync", "sync"); err != nil {
		t.Fatal(err)
	}

	valid := map[string]bool{fingerprint.Of(a): true, fingerprint.Of(b): true}
	var stop atomic.Bool
	var reads, launches, syncs atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() { // the watcher
		for !stop.Load() {
			s, err := token.ReadEnvFile(envFile, config.SyncCommand)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				t.Error("the env file vanished during a rotation")
			case err != nil:
				t.Errorf("a torn or refused env file: %v", err)
			case !valid[fingerprint.Of(s)]:
				t.Errorf("an env file with neither token: %s", fingerprint.Of(s))
			}
			reads.Add(1)
		}
	})
	for range 3 {
		wg.Go(func() { // launchers
			for !stop.Load() {
				out, err := run("claude-launch")
				fp := ""
				for _, l := range strings.Split(out, "\n") {
					if v, ok := strings.CutPrefix(l, "token="); ok {
						fp = v
					}
				}
				if err != nil || !valid[fp] {
					t.Errorf("a launch got %q (%v)", fp, err)
				}
				launches.Add(1)
			}
		})
	}
	for range 2 {
		wg.Go(func() { // timers and people
			for !stop.Load() {
				if out, err := run("claude-auth-sync", "sync"); err != nil {
					t.Errorf("sync: %v %s", err, out)
				}
				syncs.Add(1)
			}
		})
	}
	for i := range 12 { // the rotations
		time.Sleep(150 * time.Millisecond)
		put([]token.Secret{b, a}[i%2])
	}
	time.Sleep(300 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	t.Logf("%d rotations, %d launches, %d syncs, %d reads of the env file", 12, launches.Load(), syncs.Load(), reads.Load())
	if launches.Load() < 10 || syncs.Load() < 5 {
		t.Errorf("too little happened at once: %d launches, %d syncs", launches.Load(), syncs.Load())
	}
	ents, _ := os.ReadDir(filepath.Dir(envFile))
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}
