package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/testenv"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
)

// terminalQueries are what a program sends a terminal to ask for its
// colours and cursor; a terminal that does not answer makes it wait.
var terminalQueries = []string{"\x1b]10;?", "\x1b]11;?", "\x1b[6n", "\x1b]"}

// onTerminal runs bin with args on a pseudo-terminal that answers nothing
// (stdout and stderr, and stdin unless given), typing type once prompt
// appears, and returns all it wrote there.
func onTerminal(t *testing.T, env []string, stdin *os.File, prompt, typed string, bin string, args ...string) string {
	t.Helper()
	master, slave := testenv.OpenPTY(t)
	cmd := exec.Command(filepath.Join(binDir, bin), args...)
	cmd.Env = testenv.CoverEnv(env)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	if stdin != nil {
		cmd.Stdin = stdin
	}
	// Its controlling terminal, in the foreground, as in a login session:
	// termenv asks only such a terminal.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 1}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var mu sync.Mutex
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			if prompt != "" && strings.Contains(out.String(), prompt) {
				master.WriteString(typed)
				prompt = ""
			}
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	// A guard against a hang, far above any start-up: not a timing assert.
	timer := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
	cmd.Wait()
	if !timer.Stop() {
		t.Fatalf("%s %s hung on a silent terminal", bin, strings.Join(args, " "))
	}
	<-done
	mu.Lock()
	defer mu.Unlock()
	return out.String()
}

// TestSilentTerminal: no program of ours asks the terminal anything, colour
// only where allowed, and a first launch with the token only in Vault gets
// it on a terminal that never answers (script -qc, ssh -tt, a web terminal).
func TestSilentTerminal(t *testing.T) {
	v, user, _ := testenv.StartUserVault(t)
	v.PutSetupToken(t, user, testToken)
	writer, err := v.Token(testenv.UserWritePolicy(user))
	if err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(t.TempDir(), "claude")
	if err := os.WriteFile(fake, []byte(fakeClaude), 0o755); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	env := func(extra ...string) []string {
		return append([]string{"HOME=" + home, "PATH=" + binDir + ":" + filepath.Dir(fake) + ":/usr/bin:/bin",
			"VAULT_ADDR=" + v.Addr, "VAULT_TOKEN=" + writer}, extra...)
	}
	fp, _ := token.NewSecret(testToken)
	newFile := filepath.Join(t.TempDir(), "new-token")
	if err := os.WriteFile(newFile, []byte(newToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, out string, colourAllowed bool) {
		t.Helper()
		for _, q := range terminalQueries {
			if strings.Contains(out, q) {
				t.Errorf("sent the terminal the query %q:\n%q", q, out)
			}
		}
		if !colourAllowed && strings.Contains(out, "\x1b") {
			t.Errorf("escape bytes where no colour is allowed:\n%q", out)
		}
		if strings.Contains(out, "TESTtokenVALUE") {
			t.Errorf("the token reached the terminal")
		}
	}

	t.Run("first launch", func(t *testing.T) {
		out := onTerminal(t, env("TERM=xterm-256color"), nil, "", "", "claude-launch", "-p", "hi")
		check(t, out, false)
		if !strings.Contains(out, "token="+fingerprint.Of(fp)[:8]) || strings.Contains(out, "did not answer") {
			t.Errorf("the first launch did not get the token from Vault:\n%s", out)
		}
	})
	for _, term := range []struct {
		name   string
		env    []string
		colour bool
	}{
		{"colour", []string{"TERM=xterm-256color"}, true},
		{"NO_COLOR", []string{"TERM=xterm-256color", "NO_COLOR=1"}, false},
		{"dumb", []string{"TERM=dumb"}, false},
	} {
		t.Run(term.name, func(t *testing.T) {
			for _, args := range [][]string{{"status"}, {"sync"}, {"--help"}} {
				check(t, onTerminal(t, env(term.env...), nil, "", "", "claude-auth-sync", args...), term.colour)
			}
			// A failure is logged: coloured only where colour is allowed.
			out := onTerminal(t, append(env(term.env...), "VAULT_ADDR=http://127.0.0.1:1"), nil, "", "", "claude-auth-sync", "sync")
			check(t, out, term.colour)
			if term.colour && !strings.Contains(out, "\x1b[") {
				t.Errorf("no colour on a terminal that allows it:\n%q", out)
			}
		})
	}
	t.Run("enable at the prompt", func(t *testing.T) {
		out := onTerminal(t, env("TERM=xterm-256color"), nil, "Paste your setup token", newToken+"\n", "claude-auth-sync", "enable")
		check(t, out, true)
		if nfp, _ := token.NewSecret(newToken); !strings.Contains(out, "written (fingerprint "+fingerprint.Of(nfp)+")") {
			t.Errorf("enable at a prompt did not store the token:\n%s", out)
		}
	})
	t.Run("enable piped", func(t *testing.T) {
		in, err := os.Open(newFile)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		check(t, onTerminal(t, env("TERM=xterm-256color", "NO_COLOR=1"), in, "", "", "claude-auth-sync", "enable"), false)
	})
}
