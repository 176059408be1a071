package layout_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestLayout guards the rule the tree follows (docs/contributing.md, "Layout"):
//
//   - pkg/ holds libraries that someone else's program could use: they
//     import nothing of internal/, and the ones the per-launch program
//     links import only the standard library (and x/sys);
//   - internal/ holds the product's own code, beside test support
//     (internal/testenv), which no program and no product package imports
//     outside its tests, and the lab (internal/racelab), a module of its
//     own whose plotting libraries stay out of the product's go.mod.
func TestLayout(t *testing.T) {
	const module = "github.com/claude-launch/claude-launch/"
	list := func(format string) []string {
		t.Helper()
		out, err := exec.Command("go", "list", "-f", format, "./...").Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSpace(string(out)), "\n")
	}
	// Every package these link, not only what they import: the per-launch
	// path pays for the whole graph.
	stdlibOnly := map[string]bool{"pkg/token": true, "pkg/kernfile": true, "pkg/cgroup/agentcg": true, "pkg/cgroup/memsize": true}
	for _, line := range list("{{.ImportPath}}{{range .Deps}} {{.}}{{end}}") {
		f := strings.Fields(line)
		if !stdlibOnly[strings.TrimPrefix(f[0], module)] {
			continue
		}
		for _, dep := range f[1:] {
			if strings.Contains(strings.SplitN(dep, "/", 2)[0], ".") && !strings.HasPrefix(dep, "golang.org/x/sys/") && dep != f[0] && !stdlibOnly[strings.TrimPrefix(dep, module)] {
				t.Errorf("%s links %s: it runs on the per-launch path, which links only the standard library (docs/startup.md)", strings.TrimPrefix(f[0], module), dep)
			}
		}
	}
	seen := 0
	for _, line := range list("{{.ImportPath}}{{range .Imports}} {{.}}{{end}}") {
		f := strings.Fields(line)
		pkg, ok := strings.CutPrefix(f[0], module)
		if !ok {
			continue
		}
		seen++
		testSupport := strings.HasPrefix(pkg, "internal/testenv")
		for _, imp := range f[1:] {
			dep, ours := strings.CutPrefix(imp, module)
			switch {
			case strings.HasPrefix(pkg, "pkg/") && ours && strings.HasPrefix(dep, "internal/"):
				t.Errorf("%s imports %s: a library in pkg/ may not use the product's internals", pkg, dep)
			case !testSupport && ours && (strings.HasPrefix(dep, "internal/testenv") || strings.HasPrefix(dep, "internal/racelab")):
				t.Errorf("%s imports %s: test support and the lab are for tests and the lab's own command only", pkg, dep)
			case !ours && strings.HasPrefix(pkg, "pkg/") && imp == "github.com/charmbracelet/log":
				t.Errorf("%s imports %s: a library returns what it found and does not log", pkg, imp)
			}
		}
	}
	if mod, err := os.ReadFile("go.mod"); err != nil || strings.Contains(string(mod), "gonum.org/") {
		t.Errorf("the product's go.mod requires the lab's plotting library (or is unread: %v)", err)
	}
	if seen < 10 {
		t.Fatalf("go list found %d packages of this module", seen)
	}
}
