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
		}, ErrInsecureFile, "symlink"},
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
		{"empty token", func(t *testing.T, p string) { writeFile(t, p, EnvVar+"=\n", 0o600) }, ErrInvalidToken, "empty"},
		{"wrong prefix", func(t *testing.T, p string) { writeFile(t, p, EnvVar+"=sk-ant-api03-TESTtokenVALUE\n", 0o600) }, ErrInvalidToken, "setup-token"},
		{"whitespace", func(t *testing.T, p string) { writeFile(t, p, EnvVar+"='"+testToken+" x'\n", 0o600) }, ErrInvalidToken, "whitespace"},
		{"syntax", func(t *testing.T, p string) { writeFile(t, p, EnvVar+"="+testToken+" x\n", 0o600) }, nil, "line 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "claude-oauth.env")
			tc.setup(t, p)
			s, err := ReadEnvFile(p)
			if tc.wantErr == nil && tc.hint == "" {
				if err != nil || s.Reveal() != testToken {
					t.Fatalf("ReadEnvFile = %v, %v", s.Fingerprint(), err)
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

func TestWriteEnvFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg", "claude-auth-sync")
	p := filepath.Join(dir, "claude-oauth.env")
	s, _ := NewSecret(testToken)
	if err := WriteEnvFile(p, s); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{p: 0o600, dir: 0o700} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %04o, want %04o", path, fi.Mode().Perm(), want)
		}
	}
	got, err := ReadEnvFile(p)
	if err != nil || !got.Equal(s) {
		t.Fatalf("read back: %v", err)
	}
	assertNoTemp(t, dir)

	// A loose directory is tightened.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteEnvFile(p, s); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %04o, want 0700", fi.Mode().Perm())
	}
}

func TestWriteEnvFileFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "claude-oauth.env")
	old, _ := NewSecret(testToken)
	if err := WriteEnvFile(p, old); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(p)
	testHookBeforeRename = func() error { return errors.New("disk full") }
	t.Cleanup(func() { testHookBeforeRename = nil })
	s, _ := NewSecret(testToken + "new")
	if err := WriteEnvFile(p, s); err == nil {
		t.Fatal("no error")
	}
	after, _ := os.ReadFile(p)
	if string(before) != string(after) {
		t.Error("a failed write changed the file")
	}
	assertNoTemp(t, dir)
}

func TestWriteEnvFileRefusesSymlinkAndForeignDir(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "claude-oauth.env")
	target := filepath.Join(dir, "elsewhere")
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
	s, _ := NewSecret(testToken)
	if err := WriteEnvFile(p, s); !errors.Is(err, ErrInsecureFile) {
		t.Errorf("symlink target: err = %v", err)
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("wrote through the symlink")
	}
	if os.Geteuid() == 0 {
		foreign := filepath.Join(t.TempDir(), "foreign")
		if err := os.Mkdir(foreign, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(foreign, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if err := WriteEnvFile(filepath.Join(foreign, "x.env"), s); !errors.Is(err, ErrInsecureFile) {
			t.Errorf("foreign directory: err = %v", err)
		}
	}
}

func TestWriteIsLoadableByBash(t *testing.T) {
	p := filepath.Join(t.TempDir(), "claude-oauth.env")
	s, _ := NewSecret(testToken)
	if err := WriteEnvFile(p, s); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	vars, err := ParseEnv(strings.NewReader(string(b)))
	if err != nil || vars[EnvVar] != testToken {
		t.Fatalf("written file does not parse back: %v", err)
	}
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}
