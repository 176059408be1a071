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

// WatchLeaf is the leaf of the Watcher, a small Go program; WatchMax its memory.max.
const (
	WatchLeaf = "watch"
	WatchMax  = 16 << 20
)

// Layout is what LayOut writes: the server leaf's memory.low and memory.max
// (the server and every process it starts but agents), and all agents' memory.max.
type Layout struct {
	Wording
	ServerLow, ServerMax, AgentsMax uint64
}

// LayOut turns the unit's delegated cgroup dir (v2) into package agentcg's
// layout, with the watcher's leaf beside it: this process moves into the
// server's leaf; every leaf is bounded, never throttled, the bounds within
// MemoryHigh (Budget; docs/t3-serve.md, "Why it holds"). It returns the agents directory.
func LayOut(dir string, l Layout) (agents string, err error) {
	leaf := filepath.Join(dir, agentcg.ServerLeaf)
	agents = filepath.Join(dir, agentcg.AgentsDir)
	watch := filepath.Join(dir, WatchLeaf)
	hint := "; the unit needs Delegate=yes (" + l.UnitFile + ")"
	if err := mkdirCgroup(leaf); err != nil {
		return "", fmt.Errorf("%w%s", err, hint)
	} else if err := kernfile.WriteFile(filepath.Join(leaf, "cgroup.procs"), "0"); err != nil {
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
	} else if err := kernfile.Bound(watch, WatchMax, 0, false); err != nil {
		return "", fmt.Errorf("bound the watcher's leaf: %w", err)
	}
	if err := mkdirCgroup(agents); err != nil {
		return "", err
	} else if err := enableMemory(agents); err != nil {
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
