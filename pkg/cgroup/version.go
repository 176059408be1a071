package cgroup

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a systemd version: major 252, stable patch 38 for
// "252.38-1~deb12u1". Whether a manager honours OOMPolicy on scopes is
// decided by what it does (the property accepted and read back); the
// version only says what a rejection means, and goes into messages.
type Version struct {
	Major, Patch int
}

// ParseVersion parses the manager's Version property ("252.38-1~deb12u1",
// "253", "v255.4-1.fc40", RHEL's "252-46.el9_4"), quoted or not.
func ParseVersion(s string) (Version, error) {
	t := strings.Trim(strings.TrimSpace(s), `"`)
	t = strings.TrimPrefix(t, "v")
	end := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if end >= 0 {
		t = t[:end]
	}
	major, patch, _ := strings.Cut(t, ".")
	var v Version
	var err error
	if v.Major, err = strconv.Atoi(major); err != nil {
		return Version{}, fmt.Errorf("systemd version %q: no major number", s)
	}
	if patch != "" {
		p, _, _ := strings.Cut(patch, ".")
		if v.Patch, err = strconv.Atoi(p); err != nil {
			return Version{}, fmt.Errorf("systemd version %q: bad patch number", s)
		}
	}
	return v, nil
}

func (v Version) String() string { return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Patch) }

// RejectedOOMPolicy says what it means that a manager of version v
// rejected OOMPolicy on a scope: whether the scope is still safe for the
// server, and why. systemd-stable's history: scopes got OOM handling in
// 252.0 (7238fd51d4), which stops the whole scope at the first OOM kill;
// OOMPolicy on scopes came with 253 and reached 252-stable in 252.5
// (d539e18777). Before 252, a scope ignores OOM kills: the kernel's kill
// takes the one process and the scope lives on.
func RejectedOOMPolicy(v Version, unitFile string) (safe bool, why string) {
	if v.Major > 0 && v.Major < 252 {
		return true, "systemd " + v.String() + " does not know OOMPolicy on scopes, and its scopes do not react to an OOM kill: " +
			"the kernel kills the one runaway, the scope lives on"
	}
	return false, "systemd " + v.String() + " rejected OOMPolicy on the scope; a 252 before 252.5 stops the whole scope, server and all, " +
		"at the first OOM kill. Upgrade systemd, or run the server as a service with OOMPolicy=continue (" + unitFile + ")"
}
