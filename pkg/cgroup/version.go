package cgroup

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a systemd version (252.38 for "252.38-1~deb12u1"); it only says
// what a rejected OOMPolicy means, and goes into messages.
type Version struct{ Major, Patch int }

// ParseVersion parses the manager's Version property ("252.38-1~deb12u1",
// "253", "v255.4-1.fc40", RHEL's "252-46.el9_4"), quoted or not.
func ParseVersion(s string) (Version, error) {
	t := strings.TrimPrefix(strings.Trim(strings.TrimSpace(s), `"`), "v")
	if end := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' }); end >= 0 {
		t = t[:end]
	}
	ma, rest, _ := strings.Cut(t, ".")
	pa, _, _ := strings.Cut(rest, ".")
	if rest == "" {
		pa = "0"
	}
	major, err := strconv.Atoi(ma)
	if err != nil {
		return Version{}, fmt.Errorf("systemd version %q: no major number", s)
	}
	patch, err := strconv.Atoi(pa)
	if err != nil {
		return Version{}, fmt.Errorf("systemd version %q: bad patch number", s)
	}
	return Version{major, patch}, nil
}

func (v Version) String() string { return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Patch) }

// RejectedOOMPolicy says whether a scope is still safe for the server when a
// manager of version v rejected OOMPolicy on it, and why: from 252.0 a scope
// stops at the first OOM kill, OOMPolicy came in 252.5; before 252 it lives on.
func RejectedOOMPolicy(v Version, unitFile string) (safe bool, why string) {
	if v.Major > 0 && v.Major < 252 {
		return true, "systemd " + v.String() + " does not know OOMPolicy on scopes, and its scopes do not react to an OOM kill: " +
			"the kernel kills the one runaway, the scope lives on"
	}
	return false, "systemd " + v.String() + " rejected OOMPolicy on the scope; a 252 before 252.5 stops the whole scope, server and all, " +
		"at the first OOM kill. Upgrade systemd, or run the server as a service with OOMPolicy=continue (" + unitFile + ")"
}
