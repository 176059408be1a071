// Package cgroup makes sure a process runs under memory caps before it
// execs a server, so that a runaway child dies alone instead of taking the
// machine, or the whole service, down with it.
//
// It reads where a process is (cgroup v2, and the v1 memory controller of
// hybrid hosts) and the limits set on its own cgroup (OwnLimits): a cap on
// a parent slice, shared with other units, is not this server's cap. It
// decides by what is in force, not by names: a service's main process
// whose unit sets the caps needs nothing, and one whose unit does not is
// refused with the lines that fix the unit; any other process moves itself
// into a transient systemd scope created over D-Bus with the caps, and the
// cgroup files are read back to verify that they landed (systemd silently
// drops what it cannot apply, such as MemoryHigh on cgroup v1). On cgroup
// v2 it then lays out the delegated subtree for the server, its watcher
// and its agents, each bounded so that nothing throttles (LayOut, Budget;
// package agentcg describes the layout), and the Watcher moves every other
// process the server starts into a bounded cgroup of its own.
//
// The package returns what it found and did; it never logs or exits.
package cgroup
