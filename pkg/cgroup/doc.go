// Package cgroup makes sure a process runs under memory caps before it execs
// a server, so that a runaway child dies alone: a service's main process must
// have the caps in its unit (OwnLimits: its own cgroup, not a parent slice);
// any other process moves itself into a capped transient scope over D-Bus and
// reads the caps back. On cgroup v2 it lays out the delegated subtree (LayOut,
// Budget; package agentcg) and the Watcher bounds the server's other children.
// It returns what it found and did; it never logs or exits (docs/t3-serve.md).
package cgroup
