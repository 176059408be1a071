package buildinfo

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// TestOwnBuildInfo: what ModInfo reads of this test binary is what the
// runtime says of itself.
func TestOwnBuildInfo(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Skip("no build info in this test binary")
	}
	mi := ModInfo(self)
	if got := MainPackage(self); got != bi.Path {
		t.Errorf("MainPackage = %q, want %q", got, bi.Path)
	}
	if !strings.Contains(mi, "mod\t"+bi.Main.Path+"\t") {
		t.Errorf("no main module line in %q", mi)
	}
}

func TestNotGo(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"script": "#!/bin/sh\necho hi\n", "empty": "", "short elf": "\x7fELF\x02\x01", "garbage": strings.Repeat("\xff", 5000),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
		if mi, mp := ModInfo(p), MainPackage(p); mi != "" || mp != "" {
			t.Errorf("%s: ModInfo = %q, MainPackage = %q", name, mi, mp)
		}
	}
	if ModInfo(filepath.Join(dir, "missing")) != "" || ModInfo(dir) != "" {
		t.Error("a missing file or a directory has build info")
	}
}

func TestVersion(t *testing.T) {
	for mi, want := range map[string]string{
		"path\tx/cmd/y\nmod\tx\tv1.2.3\th1:abc\n":                                                          "v1.2.3",
		"path\tx/cmd/y\nmod\tx\t(devel)\t\nbuild\tvcs.revision=0123456789abcdef\nbuild\tvcs.modified=true": "devel-0123456789ab-dirty",
		"path\tx/cmd/y\nmod\tx\t(devel)\t\nbuild\tvcs.revision=0123456789abcdef":                           "devel-0123456789ab",
		"": "devel",
	} {
		if got := Version(mi); got != want {
			t.Errorf("Version(%q) = %q, want %q", mi, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(magic + "\x08\x02" + strings.Repeat("\x00", 16) + "\x02go\x05hello"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = parse(data) // must not panic
	})
}
