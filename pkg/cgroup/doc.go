// Package cgroup makes sure a process runs under memory caps before it
// execs a server, so that a runaway child dies alone instead of taking the
// machine, or the whole service, down with it.
//
// It reads where a process is (cgroup v2, and the v1 memory controller of
// hybrid hosts) and what limits are in force for it, walking up the
// ancestors, since a parent's limit caps its children too. It decides by
// what is in force, not by names: caps already in force need nothing;
// otherwise a process that is not a service's main process moves itself
// into a transient systemd scope created over D-Bus with the caps, and the
// cgroup files are read back to verify that they landed (systemd silently
// drops what it cannot apply, such as MemoryHigh on cgroup v1).
//
// The package returns what it found and did; it never logs or exits.
package cgroup
