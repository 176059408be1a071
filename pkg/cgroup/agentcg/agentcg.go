// Package agentcg gives each agent a cgroup of its own below its server's
// (cgroup v2, in a subtree systemd delegated to the server's unit), so that
// a runaway agent is OOM-killed, whole and soon, at its own limit, before
// it can push the unit into MemoryHigh throttling that would stall the
// server and every other agent with it.
//
// The layout, below the unit's (or scope's) cgroup:
//
//	server/            the server itself, a leaf (cgroup v2 allows processes
//	                   only in leaves), memory.low protects it
//	agents/            memory enabled for its children
//	agents/agent-PID/  one per agent: memory.max, memory.high=max (no
//	                   throttling band), memory.swap.max=0, memory.oom.group=1
//
// t3-serve-launch lays it out (package cgroup); claude-launch, started by
// the server, joins a new agent cgroup of its own (Join) before it execs
// claude. This package links only the standard library, since
// claude-launch links it (docs/startup.md); an ordinary launch (no
// CLAUDE_LAUNCH_AGENT_CGROUP) does nothing of it.
package agentcg

import (
	"errors"
	"strconv"
	"strings"
	"syscall"

	"github.com/claude-launch/claude-launch/pkg/kernfile"
)

// Names in the layout.
const (
	ServerLeaf  = "server"
	AgentsDir   = "agents"
	AgentPrefix = "agent-"
	// ProcPrefix names the cgroups that t3-serve-launch's watcher gives
	// the server's other children (package cgroup, Watcher).
	ProcPrefix = "proc-"
)

// Limits of an agent's cgroup.
type Limits struct {
	// Max is memory.max in bytes: past it the kernel kills the agent.
	Max uint64
}

// Join moves this process into a new cgroup agents/agent-PID with the
// limits. It does so only when this process is still in the server's leaf: a claude
// that an agent starts (a tool running claude -p) stays in its agent's
// cgroup, which counts it. agents is the agents directory's full path
// under the cgroup2 mount.
//
// It acts only on a directory of the cgroup2 filesystem whose path is the
// layout's: anything else (a plain directory that looks like it, a
// variable leaked into an ordinary shell) is an error that changes
// nothing. Its errors say where claude then starts.
func Join(agents string, l Limits) (joined bool, err error) {
	if !strings.HasSuffix(agents, "/"+AgentsDir) || l.Max == 0 {
		return false, errors.New("agent cgroup " + agents + ": not an agents directory, or no memory limit; ignored")
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(agents, &fs); err != nil || fs.Type != cgroup2Magic {
		return false, errors.New("agent cgroup " + agents + ": not a directory of the cgroup v2 filesystem; ignored (only a server's launcher sets it)")
	}
	leaf := agents[:len(agents)-len(AgentsDir)] + ServerLeaf
	here, _, err := kernfile.Cgroups(0)
	if err != nil {
		return false, err
	}
	// here is relative to the cgroup2 mount, leaf a full path below it.
	// t3-serve-launch's watcher can have moved this process, a fork of
	// the server's that had not yet exec'd claude-launch, into a cgroup
	// of its own, proc-PID: that is the server's leaf still.
	fresh := false
	if i := strings.LastIndexByte(here, '/'); i > 0 {
		fresh = here[i+1:] == ProcPrefix+strconv.Itoa(syscall.Getpid()) && kernfile.SameCgroup(agents, here[:i])
	}
	if !fresh && !kernfile.SameCgroup(leaf, here) {
		return false, nil // not in the server's leaf (a claude an agent started): stay
	}
	joined, err = join(agents, l)
	if err != nil {
		err = errors.New(err.Error() + "; starting claude in the server's cgroup")
	}
	return joined, err
}

// cgroup2Magic is CGROUP2_SUPER_MAGIC, statfs's f_type of cgroup2.
const cgroup2Magic = 0x63677270

// join makes the agent's cgroup below agents and moves this process in.
// The watcher removes it once empty (t3-serve-launch, cgroup.Watcher).
func join(agents string, l Limits) (bool, error) {
	dir := agents + "/" + AgentPrefix + strconv.Itoa(syscall.Getpid())
	var err error
	for range 3 {
		if err = tryJoin(dir, l); !errors.Is(err, syscall.ENOENT) {
			break
		}
	}
	if err != nil {
		_ = syscall.Rmdir(dir)
		return false, errors.New("join the agent cgroup " + dir + ": " + err.Error())
	}
	return true, nil
}

func tryJoin(dir string, l Limits) error {
	if err := syscall.Mkdir(dir, 0o755); err != nil && err != syscall.EEXIST {
		return err
	}
	if err := kernfile.Bound(dir, l.Max, 0, true); err != nil {
		return err
	}
	return kernfile.WriteFile(dir+"/cgroup.procs", "0")
}
