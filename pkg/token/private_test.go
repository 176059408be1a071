package token

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadSmallFileTrust: what each trust level refuses, and that nothing
// blocks on a FIFO.
func TestReadSmallFileTrust(t *testing.T) {
	type setup func(t *testing.T, p string)
	file := func(mode os.FileMode) setup { return func(t *testing.T, p string) { writeFile(t, p, "x", mode) } }
	link := func(t *testing.T, p string) {
		writeFile(t, p+".real", "x", 0o600)
		if err := os.Symlink(p+".real", p); err != nil {
			t.Fatal(err)
		}
	}
	fifo := func(t *testing.T, p string) {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		setup setup
		trust Trust
		want  string // "" for a good read, else in the error
	}{
		{"private 0600", file(0o600), Private, ""},
		{"private 0640", file(0o640), Private, "group or others can access it (mode 0640)"},
		{"private symlink", link, Private, "it is a symlink"},
		{"private fifo", fifo, Private, "named pipe"},
		{"owned 0644", file(0o644), Owned, ""},
		{"owned symlink", link, Owned, ""},
		{"owned fifo", fifo, Owned, "named pipe, not a regular file"},
		{"trusted 0644", file(0o644), Trusted, ""},
		{"trusted symlink", link, Trusted, ""},
		{"trusted 0664", file(0o664), Trusted, "group or others can write it (mode 0664)"},
		{"trusted 0646", file(0o646), Trusted, "run `chmod go-w "},
		{"trusted fifo", fifo, Trusted, "named pipe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "f")
			tc.setup(t, p)
			done := make(chan struct{})
			var got string
			var err error
			go func() { got, err = ReadSmallFile(p, "test file", tc.trust, " and retry"); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("ReadSmallFile blocked")
			}
			if tc.want == "" {
				if err != nil || got != "x" {
					t.Fatalf("got %q, %v", got, err)
				}
				return
			}
			if !errors.Is(err, ErrInsecureFile) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrInsecureFile mentioning %q", err, tc.want)
			}
		})
	}
	if _, err := ReadSmallFile(filepath.Join(t.TempDir(), "none"), "x", Private, ""); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestReadVaultToken: one rule for "has a Vault token", shared by the
// launcher (which only asks) and claude-auth-sync (which reads it); a FIFO
// never blocks it.
func TestReadVaultToken(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     string
		file    func(t *testing.T, p string)
		want    string
		wantErr error
		has     bool
	}{
		{"from VAULT_TOKEN", "hvs.env", nil, "hvs.env", nil, true},
		{"VAULT_TOKEN blank, no file", "  ", nil, "", ErrNoVaultToken, false},
		{"file", "", func(t *testing.T, p string) { writeFile(t, p, "hvs.file\n", 0o600) }, "hvs.file", nil, true},
		{"file of whitespace", "", func(t *testing.T, p string) { writeFile(t, p, " \n\t\n", 0o600) }, "", ErrNoVaultToken, false},
		{"empty file", "", func(t *testing.T, p string) { writeFile(t, p, "", 0o600) }, "", ErrNoVaultToken, false},
		{"fifo", "", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "", ErrInsecureFile, true},
		{"directory", "", func(t *testing.T, p string) { os.Mkdir(p, 0o700) }, "", ErrInsecureFile, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			if tc.file != nil {
				tc.file(t, filepath.Join(home, ".vault-token"))
			}
			getenv := func(k string) string { return map[string]string{"HOME": home, "VAULT_TOKEN": tc.env}[k] }
			got, err := ReadVaultToken(getenv)
			if got != tc.want || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("ReadVaultToken = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
			if has := HasVaultToken(getenv); has != tc.has {
				t.Errorf("HasVaultToken = %v, want %v", has, tc.has)
			}
		})
	}
}
