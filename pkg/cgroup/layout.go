package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/claude-launch/claude-launch/pkg/cgroup/agentcg"
	"github.com/claude-launch/claude-launch/pkg/kernfile"
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
	Wording
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
	hint := "; the unit needs Delegate=yes (" + l.UnitFile + ")"
	if err := mkdirCgroup(leaf); err != nil {
		return "", fmt.Errorf("%w%s", err, hint)
	}
	if err := kernfile.WriteFile(filepath.Join(leaf, "cgroup.procs"), "0"); err != nil {
		return "", fmt.Errorf("move the server into %s: %w%s", leaf, err, hint)
	}
	if procs, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs")); len(strings.TrimSpace(string(procs))) > 0 {
		return "", fmt.Errorf("the unit's cgroup %s still holds other processes (%s), so its agents cannot have cgroups of their own: "+
			"start %s as the unit's only process (ExecStart=, no ExecStartPre= that lingers)",
			dir, strings.Join(strings.Fields(string(procs)), " "), l.Program)
	}
	if err := enableMemory(dir); err != nil {
		return "", fmt.Errorf("%w%s", err, hint)
	}
	if err := kernfile.Bound(leaf, l.ServerMax, l.ServerLow, false); err != nil {
		return "", fmt.Errorf("bound the server's leaf: %w", err)
	}
	if err := mkdirCgroup(watch); err != nil {
		return "", err
	}
	if err := kernfile.Bound(watch, WatchMax, 0, false); err != nil {
		return "", fmt.Errorf("bound the watcher's leaf: %w", err)
	}
	if err := mkdirCgroup(agents); err != nil {
		return "", err
	}
	if err := enableMemory(agents); err != nil {
		return "", err
	}
	if l.AgentsMax != Unlimited {
		if err := kernfile.WriteFile(filepath.Join(agents, "memory.max"), strconv.FormatUint(l.AgentsMax, 10)); err != nil {
			return "", fmt.Errorf("bound the agents together (memory.max): %w", err)
		}
	}
	return agents, nil
}

func mkdirCgroup(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create cgroup %s: %w", dir, err)
	}
	return nil
}

// enableMemory gives the children of dir the memory controller.
func enableMemory(dir string) error {
	if err := kernfile.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), "+memory"); err != nil {
		return fmt.Errorf("enable the memory controller below %s: %w", dir, err)
	}
	return nil
}
