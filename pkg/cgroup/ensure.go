package cgroup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	sd "github.com/coreos/go-systemd/v22/dbus"
)

// ErrServiceMainProcess means the caps are not in force and this process is
// the main process of a systemd service: it must not move itself into a
// scope, or its children would escape the service's limits and outlive a
// stop. The caps belong in the unit.
var ErrServiceMainProcess = errors.New("the caps are not in force and this is a service's main process")

// ErrNotCapped means a scope was created but the caps did not land in the
// cgroup files (for example a user manager without memory delegation).
var ErrNotCapped = errors.New("the memory caps are not in force")

// Outcome says how the caps came to be in force.
type Outcome int

const (
	// AlreadyCapped: the caps were in force for this process already (its
	// own cgroup or an ancestor, such as a unit that sets them itself).
	AlreadyCapped Outcome = iota + 1
	// ScopeCreated: this process moved itself into a new capped scope.
	ScopeCreated
)

// Options configure Ensure.
type Options struct {
	Caps Caps
	// ScopeName is the transient scope's unit name (".scope" is added when
	// missing).
	ScopeName   string
	Description string
}

// Report is what Ensure found and did.
type Report struct {
	Outcome Outcome
	// Scope is set for ScopeCreated.
	Scope Scope
	// Systemd is the manager's version, when one was asked.
	Systemd Version
	// Limits are the limits in force afterwards.
	Limits Limits
	// Gaps are the caps still not in force; with a nil error these are
	// only caps that cgroup v1 cannot enforce.
	Gaps []Gap
	// Warnings are things the caller should tell the user.
	Warnings []string
}

// Ensure makes sure this process runs under opts.Caps, as the package
// comment describes, and verifies it in the cgroup files.
func Ensure(ctx context.Context, opts Options) (Report, error) {
	var rep Report
	if err := opts.Caps.Validate(); err != nil {
		return rep, err
	}
	h, err := DetectHierarchy()
	if err != nil {
		return rep, err
	}
	l, gaps, err := measure(h, opts.Caps)
	if err != nil {
		return rep, err
	}
	if Satisfied(gaps) {
		rep.Outcome, rep.Limits, rep.Gaps = AlreadyCapped, l, gaps
		rep.Warnings = append(rep.Warnings, kernelWarnings(l, gaps)...)
		return rep, nil
	}

	conn, err := Connect(ctx)
	if err != nil {
		return rep, fmt.Errorf("%w (%s) and systemd cannot be asked for a scope: %v", ErrNotCapped, Describe(gaps), err)
	}
	defer conn.Close()
	pid := uint32(os.Getpid())
	if os.Getenv("INVOCATION_ID") != "" {
		if unit, ok := mainProcessOf(ctx, conn, pid); ok {
			return rep, fmt.Errorf("%w: %s runs without %s; put MemoryHigh=%s, MemoryMax=%s, MemorySwapMax=%s and OOMPolicy=%s in %s (see scripts/systemd/t3-serve@.service)",
				ErrServiceMainProcess, unit, Describe(gaps), FormatSize(opts.Caps.High), FormatSize(opts.Caps.Max), FormatSize(opts.Caps.SwapMax), opts.Caps.OOMPolicy, unit)
		}
	}
	if v, err := conn.GetManagerProperty("Version"); err == nil {
		rep.Systemd, _ = ParseVersion(v)
	}
	name := opts.ScopeName
	if !strings.HasSuffix(name, ".scope") {
		name += ".scope"
	}
	rep.Scope, err = StartScope(ctx, conn, ScopeRequest{Name: name, Description: opts.Description, PID: pid, Caps: opts.Caps, Version: rep.Systemd})
	if err != nil {
		return rep, err
	}
	rep.Outcome = ScopeCreated

	// Verify: systemd drops limits it cannot apply without an error.
	loc, err := Locate(0)
	if err != nil {
		return rep, err
	}
	if !inScope(loc, h, rep.Scope.Name) {
		return rep, fmt.Errorf("%w: scope %s was created but this process is not in it (cgroup %q)", ErrNotCapped, rep.Scope.Name, loc.V2+loc.V1Memory)
	}
	if rep.Limits, rep.Gaps, err = measure(h, opts.Caps); err != nil {
		return rep, err
	}
	if !Satisfied(rep.Gaps) {
		return rep, fmt.Errorf("%w: scope %s was created, but %s; a user manager needs memory delegation (Delegate=memory on user@.service), or run as a system service (scripts/systemd/t3-serve@.service)",
			ErrNotCapped, rep.Scope.Name, Describe(rep.Gaps))
	}
	rep.Warnings = append(rep.Warnings, kernelWarnings(rep.Limits, rep.Gaps)...)
	if !rep.Scope.OOMPolicy {
		if rep.Limits.OOMGroup {
			return rep, fmt.Errorf("%w: systemd %s rejected OOMPolicy on the scope and memory.oom.group is 1, so an OOM kill would take the server too", ErrNotCapped, rep.Systemd)
		}
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("systemd %s does not accept OOMPolicy on scopes (253, or 252.38 and later, do); the kernel kills only the runaway process (memory.oom.group is 0), but systemd may stop the scope after it", rep.Systemd))
	}
	return rep, nil
}

func measure(h Hierarchy, c Caps) (Limits, []Gap, error) {
	loc, err := Locate(0)
	if err != nil {
		return Limits{}, nil, err
	}
	l, err := InForce(h, loc)
	if err != nil {
		return l, nil, err
	}
	return l, Gaps(l, c), nil
}

// kernelWarnings says what the kernel cannot do here.
func kernelWarnings(l Limits, gaps []Gap) []string {
	var w []string
	for _, g := range gaps {
		if g.Unenforceable {
			w = append(w, g.Cap+" is not enforced: cgroup v1 has no equivalent (only MemoryMax is); on cgroup v2 it would be")
		}
	}
	if l.Version == 2 && l.OOMGroup {
		w = append(w, "memory.oom.group is 1 here: an OOM kill takes every process of the cgroup, the server included")
	}
	return w
}

// inScope reports whether loc is inside the scope called name.
func inScope(loc Location, h Hierarchy, name string) bool {
	p := loc.V2
	if !(h.V2 != "" && h.V2Memory) {
		p = loc.V1Memory
	}
	return path.Base(p) == name
}

// mainProcessOf returns the service whose main process is pid, if any.
func mainProcessOf(ctx context.Context, conn *sd.Conn, pid uint32) (string, bool) {
	unit, err := conn.GetUnitNameByPID(ctx, pid)
	if err != nil || !strings.HasSuffix(unit, ".service") {
		return "", false
	}
	p, err := conn.GetUnitTypePropertyContext(ctx, unit, "Service", "MainPID")
	if err != nil {
		return "", false
	}
	main, ok := p.Value.Value().(uint32)
	return unit, ok && main == pid
}
