package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claude-launch/claude-launch/pkg/token"
)

const testToken = token.Prefix + "TESTtokenVALUE_store"

func secret(t *testing.T, s string) token.Secret {
	t.Helper()
	tok, err := token.NewSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestWriteEnvFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg", "claude-auth-sync")
	p := filepath.Join(dir, "claude-oauth.env")
	s := secret(t, testToken)
	if err := WriteEnvFile(p, s); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{p: 0o600, dir: 0o700, filepath.Dir(dir): 0o700} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %04o, want %04o", path, fi.Mode().Perm(), want)
		}
	}
	got, err := token.ReadEnvFile(p, "claude-auth-sync sync")
	if err != nil || !got.Equal(s) {
		t.Fatalf("read back: %v", err)
	}
	assertNoTemp(t, dir)
}

// TestEnsureDirChangesNothingItDidNotMake: an existing directory is used
// as it is or refused, never chmod'ed: $HOME keeps its mode, a 1777
// directory keeps its sticky bit and is refused, a 0500 one stays 0500.
func TestEnsureDirChangesNothingItDidNotMake(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mode   os.FileMode
		refuse string
	}{
		{"a home directory, 0755", 0o755, ""},
		{"a private one, 0700", 0o700, ""},
		{"read-only, 0500", 0o500, ""},
		{"world-writable and sticky, 1777", 0o1777 | os.ModeSticky, "group or others can write in it (mode 1777)"},
		{"group-writable, 0770", 0o770, "group or others can write in it (mode 0770)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "d")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tc.mode); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o700) })
			before, _ := os.Stat(dir)
			err := EnsureDir(dir, EnvFileHint)
			after, _ := os.Stat(dir)
			if before.Mode() != after.Mode() {
				t.Errorf("mode changed from %v to %v", before.Mode(), after.Mode())
			}
			if tc.refuse == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, token.ErrInsecureFile) || !strings.Contains(err.Error(), tc.refuse) || !strings.Contains(err.Error(), "CLAUDE_LAUNCH_ENV_FILE") {
				t.Errorf("err = %v, want a refusal mentioning %q and the setting", err, tc.refuse)
			}
		})
	}
	t.Run("a symlink", func(t *testing.T) {
		base := t.TempDir()
		if err := os.Symlink(base, filepath.Join(base, "link")); err != nil {
			t.Fatal(err)
		}
		if err := EnsureDir(filepath.Join(base, "link"), EnvFileHint); !errors.Is(err, token.ErrInsecureFile) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("another user's", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a directory away")
		}
		dir := filepath.Join(t.TempDir(), "foreign")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if err := EnsureDir(dir, EnvFileHint); !errors.Is(err, token.ErrInsecureFile) || !strings.Contains(err.Error(), "owned by uid 65534") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestWriteEnvFileFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "claude-oauth.env")
	if err := WriteEnvFile(p, secret(t, testToken)); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(p)
	testHookBeforeRename = func() error { return errors.New("disk full") }
	t.Cleanup(func() { testHookBeforeRename = nil })
	if err := WriteEnvFile(p, secret(t, testToken+"new")); err == nil {
		t.Fatal("no error")
	}
	after, _ := os.ReadFile(p)
	if string(before) != string(after) {
		t.Error("a failed write changed the file")
	}
	assertNoTemp(t, dir)
}

func TestWriteEnvFileRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "claude-oauth.env")
	target := filepath.Join(dir, "elsewhere")
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
	if err := WriteEnvFile(p, secret(t, testToken)); !errors.Is(err, token.ErrInsecureFile) {
		t.Errorf("symlink target: err = %v", err)
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("wrote through the symlink")
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
