package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// CheckReadmeSection compares the README's section between
// "<!-- BEGIN name -->" and "<!-- END name -->" with want, the text a test
// produced, or rewrites it when update is set (go test … -update), so that
// what the README shows is what the programs do.
func CheckReadmeSection(t *testing.T, name, want string, update bool) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- BEGIN "+name+" -->", "<!-- END "+name+" -->"
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %s … %s section", begin, end)
	}
	if s[i+len(begin):j] == want {
		return
	}
	if update && !t.Failed() {
		if err := os.WriteFile(path, []byte(s[:i+len(begin)]+want+s[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's %s section is not what the programs print; run the test with -update and review the diff", name)
}
