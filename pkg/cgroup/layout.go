package cgroup

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/claude-launch/claude-launch/pkg/cgroup/agentcg"
)

// LayOut turns the unit's delegated cgroup dir (cgroup v2) into the
// layout package agentcg describes: it moves this process into the server
// leaf, protected by serverLow (memory.low), enables the memory
// controller for the agents' cgroups, bounds all agents together by
// agentsMax (memory.max of the agents directory), and returns
// the agents directory that claude-launch, started by the server, joins.
//
// agentsMax below the unit's MemoryHigh means that agents, together,
// never push the unit into throttling, which would stall the server with
// them: past it the kernel kills within the agents, the largest first,
// and each agent's memory.oom.group takes its whole cgroup.
func LayOut(dir string, serverLow, agentsMax uint64) (agents string, err error) {
	leaf := filepath.Join(dir, agentcg.ServerLeaf)
	agents = filepath.Join(dir, agentcg.AgentsDir)
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
	if serverLow > 0 {
		if err := writeFile(filepath.Join(leaf, "memory.low"), strconv.FormatUint(serverLow, 10)); err != nil {
			return "", wrap("protect the server (memory.low): ", err, "")
		}
	}
	if err := mkdirCgroup(agents); err != nil {
		return "", err
	}
	if err := enableMemory(agents); err != nil {
		return "", err
	}
	if agentsMax != Unlimited {
		if err := writeFile(filepath.Join(agents, "memory.max"), strconv.FormatUint(agentsMax, 10)); err != nil {
			return "", wrap("bound the agents together (memory.max): ", err, "")
		}
	}
	return agents, nil
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
