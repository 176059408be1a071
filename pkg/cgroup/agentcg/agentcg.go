// Package agentcg gives each agent a cgroup of its own below its server's (cgroup v2, delegated subtree), so that a runaway agent is
// OOM-killed at its own limit before the unit throttles: server/ (a leaf, memory.low), agents/, agents/agent-PID/ (memory.max, no
// throttling or swap, memory.oom.group=1). t3-serve-launch lays it out; claude-launch joins (Join), hence stdlib only (docs/t3-serve.md).
package agentcg

import (
	"errors"
	"strconv"
	"strings"
	"syscall"

	"github.com/claude-launch/claude-launch/pkg/kernfile"
)

// Names in the layout; ProcPrefix names the cgroups the watcher gives the server's other children.
const ServerLeaf, AgentsDir, AgentPrefix, ProcPrefix = "server", "agents", "agent-", "proc-"

// Limits of an agent's cgroup: Max is memory.max in bytes.
type Limits struct{ Max uint64 }

// Join moves this process, when still in the server's leaf, into a new cgroup agents/agent-PID (agents: a full
// path; the watcher removes it once empty); a claude an agent starts stays in its agent's cgroup. Anything but
// the layout's directory on cgroup2 is an error that changes nothing.
func Join(agents string, l Limits) (joined bool, err error) {
	if !strings.HasSuffix(agents, "/"+AgentsDir) || l.Max == 0 {
		return false, errors.New("agent cgroup " + agents + ": not an agents directory, or no memory limit; ignored")
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(agents, &fs); err != nil || fs.Type != 0x63677270 { // CGROUP2_SUPER_MAGIC
		return false, errors.New("agent cgroup " + agents + ": not a directory of the cgroup v2 filesystem; ignored (only a server's launcher sets it)")
	}
	leaf := agents[:len(agents)-len(AgentsDir)] + ServerLeaf
	here, _, err := kernfile.Cgroups(0)
	if err != nil {
		return false, err
	}
	// The watcher may have moved this fork of the server into proc-PID: the server's leaf still.
	i := strings.LastIndexByte(here, '/')
	fresh := i > 0 && here[i+1:] == ProcPrefix+strconv.Itoa(syscall.Getpid()) && kernfile.SameCgroup(agents, here[:i])
	if !fresh && !kernfile.SameCgroup(leaf, here) {
		return false, nil // not in the server's leaf (a claude an agent started): stay
	}
	// The watcher's sweep can remove the new cgroup while still empty: make it again.
	dir := agents + "/" + AgentPrefix + strconv.Itoa(syscall.Getpid())
	for range 3 {
		if err = syscall.Mkdir(dir, 0o755); err == nil || err == syscall.EEXIST {
			if err = kernfile.Bound(dir, l.Max, 0, true); err == nil {
				err = kernfile.WriteFile(dir+"/cgroup.procs", "0")
			}
		}
		if !errors.Is(err, syscall.ENOENT) {
			break
		}
	}
	if err != nil {
		_ = syscall.Rmdir(dir)
		return false, errors.New("join the agent cgroup " + dir + ": " + err.Error() + "; starting claude in the server's cgroup")
	}
	return true, nil
}
