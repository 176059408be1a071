package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// CheckDocSection compares the section of doc (its path from the
// repository's root: docs/t3-serve.md) between "<!-- BEGIN name -->" and
// "<!-- END name -->" with want, the text a test produced, or rewrites it
// when update is set (go test … -update; make docs), so that what the
// docs show is what the programs do.
func CheckDocSection(t *testing.T, doc, name, want string, update bool) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", filepath.FromSlash(doc))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- BEGIN "+name+" -->", "<!-- END "+name+" -->"
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %s … %s section", doc, begin, end)
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
	t.Errorf("%s's %s section is not what the programs print; run the test with -update and review the diff", doc, name)
}
