package cgroup

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a systemd version: major 252, stable patch 38 for
// "252.38-1~deb12u1".
type Version struct {
	Major, Patch int
}

// ParseVersion parses the manager's Version property ("252.38-1~deb12u1",
// "253", "v255.4-1.fc40"), quoted or not.
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

// OOMPolicySupport says what a systemd version does with OOMPolicy on a
// scope.
type OOMPolicySupport int

const (
	// OOMPolicySupported: the property is accepted and honoured (253, and
	// the 252-stable backport from 252.38 on).
	OOMPolicySupported OOMPolicySupport = iota
	// OOMPolicyMaybe: older; the property may be rejected, in which case
	// the scope is created without it.
	OOMPolicyMaybe
	// OOMPolicyBroken: 252.0 and 252.1 stop the whole scope after any OOM
	// kill, whatever the policy: the server would die with its runaway
	// child.
	OOMPolicyBroken
)

// ScopeOOMPolicy gates OOMPolicy on scopes by version.
func ScopeOOMPolicy(v Version) OOMPolicySupport {
	switch {
	case v.Major >= 253:
		return OOMPolicySupported
	case v.Major == 252 && v.Patch <= 1:
		return OOMPolicyBroken
	case v.Major == 252 && v.Patch >= 38:
		return OOMPolicySupported
	}
	return OOMPolicyMaybe
}
