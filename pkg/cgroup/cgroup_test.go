package cgroup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	godbus "github.com/godbus/dbus/v5"
)

func TestCapsValidate(t *testing.T) {
	if err := defaultCaps.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Caps{
		{High: 20 << 30, Max: 16 << 30, OOMPolicy: "continue"},
		{High: 1, Max: 0, OOMPolicy: "continue"},
		{High: 1, Max: 2, OOMPolicy: "ignore"},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// TestParseVersionAndRejection: the version is a hint, read only to say
// what a rejected OOMPolicy means (systemd-stable's history: scopes stop at
// the first OOM kill from 252.0, OOMPolicy on scopes from 252.5 and 253).
func TestParseVersionAndRejection(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Version
		safe bool
	}{
		{`"252.38-1~deb12u1"`, Version{252, 38}, false},
		{"252-46.el9_4", Version{252, 0}, false}, // RHEL's backport accepts the property: never asked
		{"252.4", Version{252, 4}, false},
		{"253", Version{253, 0}, false},
		{"v255.4-1.fc40", Version{255, 4}, false},
		{"251.4", Version{251, 4}, true},
		{"249.11-0ubuntu3", Version{249, 11}, true},
	} {
		v, err := ParseVersion(tc.in)
		if err != nil || v != tc.want {
			t.Errorf("ParseVersion(%s) = %v, %v; want %v", tc.in, v, err, tc.want)
		}
		if safe, why := RejectedOOMPolicy(v, "t3-serve@.service"); safe != tc.safe || why == "" {
			t.Errorf("RejectedOOMPolicy(%v) = %v %q, want %v", v, safe, why, tc.safe)
		}
	}
	if _, err := ParseVersion("systemd"); err == nil {
		t.Error("ParseVersion accepted a word")
	}
}

// TestScopeProperties: the D-Bus types systemd requires (uint64 "t" for
// sizes: int64 fails with "Unexpected message contents").
func TestScopeProperties(t *testing.T) {
	req := ScopeRequest{Caps: defaultCaps, PID: 42, Description: "desc"}
	props := ScopeProperties(req, true)
	sig := map[string]string{}
	for _, p := range props {
		sig[p.Name] = p.Value.Signature().String()
	}
	want := map[string]string{"Description": "s", "PIDs": "au", "MemoryHigh": "t", "MemoryMax": "t", "MemorySwapMax": "t", "OOMPolicy": "s", "CollectMode": "s", "Delegate": "b"}
	for name, s := range want {
		if sig[name] != s {
			t.Errorf("%s has signature %q, want %q", name, sig[name], s)
		}
	}
	for _, p := range props {
		switch p.Name {
		case "MemoryMax":
			if p.Value != godbus.MakeVariant(uint64(16<<30)) {
				t.Errorf("MemoryMax = %v", p.Value)
			}
		case "PIDs":
			if pids := p.Value.Value().([]uint32); len(pids) != 1 || pids[0] != 42 {
				t.Errorf("PIDs = %v", pids)
			}
		}
	}
	for _, p := range ScopeProperties(req, false) {
		if p.Name == "OOMPolicy" {
			t.Error("OOMPolicy sent although asked not to")
		}
	}
	// An agent's scope, as systemd-run --scope makes one: not delegated,
	// and kept when it fails, so that its Result (oom-kill) can be read.
	req.Agent = true
	for _, p := range ScopeProperties(req, true) {
		if p.Name == "Delegate" || p.Name == "CollectMode" {
			t.Errorf("an agent's scope has %s", p.Name)
		}
	}
	if n := freshName("t3.scope"); !strings.HasPrefix(n, "t3-") || !strings.HasSuffix(n, ".scope") {
		t.Errorf("freshName = %q", n)
	}
}

// tree writes cgroup files: path → content.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		f := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(c+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestOwnLimitsV2: the limits of the cgroup itself; a parent slice's
// limit, shared with other units, is not this unit's cap.
func TestOwnLimitsV2(t *testing.T) {
	root := tree(t, map[string]string{
		"cgroup.controllers":                      "cpu memory pids",
		"system.slice/memory.max":                 "max",
		"system.slice/memory.high":                "max",
		"system.slice/memory.swap.max":            "max",
		"system.slice/t3.scope/memory.max":        "17179869184",
		"system.slice/t3.scope/memory.high":       "12884901888",
		"system.slice/t3.scope/memory.swap.max":   "0",
		"system.slice/t3.scope/memory.oom.group":  "0",
		"capped/memory.max":                       "1073741824",
		"capped/memory.high":                      "max",
		"capped/memory.swap.max":                  "max",
		"capped/child/grandchild/memory.max":      "max",
		"capped/child/grandchild/memory.high":     "max",
		"capped/child/grandchild/memory.swap.max": "0",
		"group/memory.oom.group":                  "1",
		"bad/memory.max":                          "lots",
	})
	h := Hierarchy{V2: root, V2Memory: true}

	l, err := OwnLimits(h, Location{V2: "/system.slice/t3.scope"})
	if err != nil || l.Max != 16<<30 || l.High != 12<<30 || l.SwapMax != 0 || l.OOMGroup || len(Gaps(l, defaultCaps)) != 0 {
		t.Errorf("own caps: %+v %v gaps %v", l, err, Gaps(l, defaultCaps))
	}
	// A parent's memory.max is not the grandchild's own cap.
	l, _ = OwnLimits(h, Location{V2: "/capped/child/grandchild"})
	if l.Max != Unlimited || l.High != Unlimited || l.SwapMax != 0 || l.Dir != filepath.Join(root, "capped", "child", "grandchild") {
		t.Errorf("below a capped parent: %+v", l)
	}
	if gaps := Gaps(l, defaultCaps); len(gaps) != 2 || Satisfied(gaps) {
		t.Errorf("below a capped parent, gaps: %v", gaps)
	}
	l, _ = OwnLimits(h, Location{V2: "/system.slice"})
	if gaps := Gaps(l, defaultCaps); len(gaps) != 3 || Satisfied(gaps) || !strings.Contains(Describe(gaps), "MemoryMax=16G (in force: max)") {
		t.Errorf("uncapped: %v", Describe(gaps))
	}
	if l, _ = OwnLimits(h, Location{V2: "/group"}); !l.OOMGroup {
		t.Error("memory.oom.group=1 not seen")
	}
	if _, err := OwnLimits(h, Location{V2: "/bad"}); err == nil {
		t.Error("a malformed memory.max was accepted")
	}
	// Outside the cgroup namespace root: stays within the tree.
	if l, err := OwnLimits(h, Location{V2: "/../.."}); err != nil || l.Dir != root {
		t.Errorf("escaping path: %+v %v", l, err)
	}
}

func TestOwnLimitsV1(t *testing.T) {
	root := tree(t, map[string]string{
		"memory.limit_in_bytes":            "9223372036854771712",
		"a/memory.limit_in_bytes":          "9223372036854771712",
		"a/t3.scope/memory.limit_in_bytes": "17179869184",
		"b/memory.limit_in_bytes":          "67108864",
		"b/c/memory.limit_in_bytes":        "9223372036854771712",
	})
	h := Hierarchy{V2: "/nonexistent-unified", V1Memory: root}
	l, err := OwnLimits(h, Location{V1Memory: "/a/t3.scope", V2: "/a/t3.scope"})
	if err != nil || l.Version != 1 || l.Max != 16<<30 {
		t.Fatalf("v1: %+v %v", l, err)
	}
	gaps := Gaps(l, defaultCaps)
	if !Satisfied(gaps) || len(gaps) != 2 || !gaps[0].Unenforceable || !strings.Contains(gaps[0].String(), "cgroup v1 cannot enforce") {
		t.Errorf("v1 gaps: %v", gaps)
	}
	if l, _ = OwnLimits(h, Location{V1Memory: "/b/c"}); l.Max != Unlimited || Satisfied(Gaps(l, defaultCaps)) {
		t.Errorf("v1 below a capped parent: %+v", l)
	}
	if _, err := OwnLimits(Hierarchy{V2: "/nonexistent-unified"}, Location{V2: "/x"}); err == nil {
		t.Error("no memory controller, and no error")
	}
}

// defaultCaps are the caps of the default settings.
var defaultCaps = Caps{High: 12 << 30, Max: 16 << 30, SwapMax: 0, OOMPolicy: "continue"}
