package token

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestReadEnvFile(t *testing.T) {
	good := "# comment\nexport " + EnvVar + "='" + testToken + "'\n"
	for _, tc := range []struct {
		name    string
		setup   func(t *testing.T, path string)
		wantErr error
		hint    string
	}{
		{"good", func(t *testing.T, p string) { writeFile(t, p, good, 0o600) }, nil, ""},
		{"read-only", func(t *testing.T, p string) { writeFile(t, p, good, 0o400) }, nil, ""},
		{"missing", func(t *testing.T, p string) {}, fs.ErrNotExist, ""},
		{"group readable", func(t *testing.T, p string) { writeFile(t, p, good, 0o640) }, ErrInsecureFile, "chmod 600"},
		{"world readable", func(t *testing.T, p string) { writeFile(t, p, good, 0o644) }, ErrInsecureFile, "chmod 600"},
		{"group writable", func(t *testing.T, p string) { writeFile(t, p, good, 0o620) }, ErrInsecureFile, "chmod 600"},
		{"symlink", func(t *testing.T, p string) {
			real := p + ".real"
			writeFile(t, real, good, 0o600)
			if err := os.Symlink(real, p); err != nil {
				t.Fatal(err)
			}
		}, ErrInsecureFile, "it is a symlink; remove it and run `claude-auth-sync sync`"},
		{"directory", func(t *testing.T, p string) { os.Mkdir(p, 0o700) }, ErrInsecureFile, "not a regular file"},
		{"fifo", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
		}, ErrInsecureFile, "named pipe"},
		{"another user's", func(t *testing.T, p string) {
			writeFile(t, p, good, 0o600)
			if os.Geteuid() != 0 {
				t.Skip("needs root to give a file away")
			}
			if err := os.Chown(p, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}, ErrInsecureFile, "owned by uid 65534"},
		{"no token line", func(t *testing.T, p string) { writeFile(t, p, "OTHER=1\n", 0o600) }, ErrNoToken, "claude-auth-sync sync"},
		{"too large", func(t *testing.T, p string) { writeFile(t, p, strings.Repeat("#\n", 1<<20), 0o600) }, ErrInsecureFile, "larger than 1 MiB"},
		{"empty token", func(t *testing.T, p string) { writeFile(t, p, EnvVar+"=\n", 0o600) }, ErrInvalidToken, "empty"},
		{"wrong prefix", func(t *testing.T, p string) { writeFile(t, p, EnvVar+"=sk-ant-api03-TESTtokenVALUE\n", 0o600) }, ErrInvalidToken, "setup-token"},
		{"whitespace", func(t *testing.T, p string) { writeFile(t, p, EnvVar+"='"+testToken+" x'\n", 0o600) }, ErrInvalidToken, "whitespace"},
		{"syntax", func(t *testing.T, p string) { writeFile(t, p, EnvVar+"="+testToken+" x\n", 0o600) }, nil, "line 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "claude-oauth.env")
			tc.setup(t, p)
			s, err := ReadEnvFile(p, "claude-auth-sync sync")
			if tc.wantErr == nil && tc.hint == "" {
				if err != nil || s.Reveal() != testToken {
					t.Fatalf("ReadEnvFile = %v, %v", s, err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.hint) {
				t.Errorf("err = %v, want it to mention %q", err, tc.hint)
			}
			if strings.Contains(err.Error(), "TESTtokenVALUE") {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}
}

func TestEnvFileContentParsesBack(t *testing.T) {
	s, _ := NewSecret(testToken)
	vars, err := ParseEnv(strings.NewReader(string(EnvFileContent("written by claude-auth-sync", s))))
	if err != nil || vars[EnvVar] != testToken {
		t.Fatalf("written content does not parse back: %v", err)
	}
}
