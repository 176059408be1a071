package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/claude-launch/claude-launch/pkg/cgroup/agentcg"
)

// WatchLeaf is the leaf of the watcher (Watcher) that bounds, with the
// server, every process the server starts other than its agents; WatchMax
// is its memory.max: the watcher is a small Go program.
const (
	WatchLeaf = "watch"
	WatchMax  = 16 << 20
)

// Layout is what LayOut writes.
type Layout struct {
	// ServerLow protects the server's leaf from reclaim (memory.low).
	ServerLow uint64
	// ServerMax bounds the server's leaf, the server with every process
	// it starts that is not an agent (memory.max; memory.high stays max).
	ServerMax uint64
	// AgentsMax bounds all agents together (memory.max of agents/).
	AgentsMax uint64
}

// LayOut turns the unit's delegated cgroup dir (cgroup v2) into the
// layout package agentcg describes, with the watcher's leaf beside it:
// it moves this process into the server leaf, bounded by l.ServerMax and
// never throttled (memory.high=max, no swap), protected by l.ServerLow
// (memory.low); makes the watcher's leaf, bounded by WatchMax; enables the
// memory controller for the agents' cgroups, bounds all agents together
// by l.AgentsMax, and returns the agents directory that claude-launch,
// started by the server, joins.
//
// The three bounds add up to no more than the unit's MemoryHigh (Budget),
// so that nothing below the unit can push it into the throttling that
// would stall the server: past a bound the kernel OOM-kills inside that
// bound, at once, and only there (docs/t3-serve.md, "Why it holds").
func LayOut(dir string, l Layout) (agents string, err error) {
	leaf := filepath.Join(dir, agentcg.ServerLeaf)
	agents = filepath.Join(dir, agentcg.AgentsDir)
	watch := filepath.Join(dir, WatchLeaf)
	hint := "; the unit needs Delegate=yes (scripts/systemd/t3-serve@.service)"
	if err := mkdirCgroup(leaf); err != nil {
		return "", wrap("", err, hint)
	}
	if err := writeFile(filepath.Join(leaf, "cgroup.procs"), "0"); err != nil {
		return "", wrap("move the server into "+leaf+": ", err, hint)
	}
	if procs, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs")); len(strings.TrimSpace(string(procs))) > 0 {
		return "", errors.New("the unit's cgroup " + dir + " still holds other processes (" + strings.Join(strings.Fields(string(procs)), " ") + "), so its agents cannot have cgroups of their own: start t3-serve-launch as the unit's only process (ExecStart=, no ExecStartPre= that lingers)")
	}
	if err := enableMemory(dir); err != nil {
		return "", wrap("", err, hint)
	}
	if err := bound(leaf, l.ServerMax, l.ServerLow); err != nil {
		return "", wrap("bound the server's leaf: ", err, "")
	}
	if err := mkdirCgroup(watch); err != nil {
		return "", err
	}
	if err := bound(watch, WatchMax, 0); err != nil {
		return "", wrap("bound the watcher's leaf: ", err, "")
	}
	if err := mkdirCgroup(agents); err != nil {
		return "", err
	}
	if err := enableMemory(agents); err != nil {
		return "", err
	}
	if l.AgentsMax != Unlimited {
		if err := writeFile(filepath.Join(agents, "memory.max"), strconv.FormatUint(l.AgentsMax, 10)); err != nil {
			return "", wrap("bound the agents together (memory.max): ", err, "")
		}
	}
	return agents, nil
}

// bound makes dir a leaf that kills instead of throttling: memory.max
// (unless Unlimited), memory.high=max, no swap, memory.low when low > 0,
// and memory.oom.group=0, so that an OOM kill takes one process, never
// the server with the child that grew.
func bound(dir string, max, low uint64) error {
	files := []struct{ name, value string }{
		{"memory.high", "max"},
		{"memory.swap.max", "0"},
		{"memory.oom.group", "0"},
	}
	if max != Unlimited {
		files = append(files, struct{ name, value string }{"memory.max", strconv.FormatUint(max, 10)})
	}
	if low > 0 {
		files = append(files, struct{ name, value string }{"memory.low", strconv.FormatUint(low, 10)})
	}
	for _, f := range files {
		err := writeFile(filepath.Join(dir, f.name), f.value)
		if err != nil && !(f.name == "memory.swap.max" && os.IsNotExist(err)) { // absent without swap accounting
			return fmt.Errorf("set %s of %s: %w", f.name, dir, err)
		}
	}
	return nil
}

func mkdirCgroup(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return wrap("create cgroup "+dir+": ", err, "")
	}
	return nil
}

// enableMemory gives the children of dir the memory controller.
func enableMemory(dir string) error {
	if err := writeFile(filepath.Join(dir, "cgroup.subtree_control"), "+memory"); err != nil {
		return wrap("enable the memory controller below "+dir+": ", err, "")
	}
	return nil
}

// Enter moves this process into the cgroup dir.
func Enter(dir string) error { return writeFile(filepath.Join(dir, "cgroup.procs"), "0") }

func writeFile(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(value)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}
