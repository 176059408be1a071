package cgroup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/claude-launch/claude-launch/pkg/cgroup/agentcg"

	sd "github.com/coreos/go-systemd/v22/dbus"
)

// ErrNotMainProcess means this process runs in a service but is not its
// main process (ExecStart= starts it through a shell): a scope of its own
// would take the server out of the service, whose stop would then leave it
// running, and the service's caps would miss it. The unit must change.
var ErrNotMainProcess = errors.New("this is not the main process of its service")

// ErrServiceNotCapped means this process is a service's main process and
// the service itself does not set what the server needs. The caps belong
// in the unit.
var ErrServiceNotCapped = errors.New("the service does not set the caps")

// ErrNotCapped means a scope was created but what the server needs is not
// in force (for example a user manager without memory delegation, or a
// manager that stops a scope at the first OOM kill).
var ErrNotCapped = errors.New("the memory caps are not in force")

// Outcome says how the caps came to be in force.
type Outcome int

const (
	// InUnit: this process is the main process of a service that sets the
	// caps itself (Wording.UnitFile).
	InUnit Outcome = iota + 1
	// ScopeCreated: this process moved itself into a new capped scope.
	ScopeCreated
)

// Wording names, in messages, what the caller calls things.
type Wording struct {
	// Program is the caller's command; UnitFile a service unit with the
	// caps, to copy; ServerMaxSetting the setting that sets ServerMax.
	Program, UnitFile, ServerMaxSetting string
}

// Options configure Ensure.
type Options struct {
	Wording
	Caps Caps
	// ScopeName is the transient scope's unit name (".scope" is added when
	// missing).
	ScopeName   string
	Description string
	// ServerLow protects the server's own leaf (memory.low), cgroup v2.
	ServerLow uint64
	// ServerMax bounds the server's leaf (cgroup v2): the server and every
	// process it starts that is not an agent; 0 for a quarter of
	// MemoryHigh (Budget).
	ServerMax uint64
}

// Report is what Ensure found and did.
type Report struct {
	Outcome Outcome
	// Unit is the unit the server runs in: the service, or the new scope.
	Unit string
	// Scope is set for ScopeCreated.
	Scope Scope
	// Systemd is the manager's version, when one was asked.
	Systemd Version
	// Limits are the unit's own limits afterwards.
	Limits Limits
	// Gaps are the caps still not in force; with a nil error these are
	// only caps that cgroup v1 cannot enforce.
	Gaps []Gap
	// OOMPolicy is the unit's policy, as its manager reports it.
	OOMPolicy string
	// Agents is the directory of the agents' cgroups (cgroup v2), "" when
	// agents cannot have cgroups of their own here.
	Agents string
	// Leaf and WatchDir are the server's leaf and the watcher's (cgroup
	// v2, with Agents); ServerMax and AgentsMax their bounds.
	Leaf, WatchDir       string
	ServerMax, AgentsMax uint64
	// Warnings are things the caller should tell the user.
	Warnings []string
}

// Ensure makes sure this process runs under opts.Caps, in a unit of its
// own with OOMPolicy=continue, and lays out the agents' cgroups in it.
//
// As the main process of a service, it checks the service itself: its own
// cgroup's limits (not a parent slice's), its OOMPolicy and its
// delegation, read from the manager and the cgroup files, and refuses,
// naming the lines to add, when one is missing. In a service but not its
// main process, it refuses. Anywhere else (a shell, a tmux pane) it moves
// itself into a new transient scope with the caps, OOMPolicy and
// Delegate=yes, and reads them all back, since a manager drops what it
// cannot apply.
func Ensure(ctx context.Context, opts Options) (Report, error) {
	var rep Report
	if err := opts.Caps.Validate(); err != nil {
		return rep, err
	}
	h, err := DetectHierarchy()
	if err != nil {
		return rep, err
	}
	conn, err := Connect(ctx)
	if err != nil {
		return rep, fmt.Errorf("%w: systemd cannot be asked: %w", ErrNotCapped, err)
	}
	defer conn.Close()
	if v, err := conn.GetManagerProperty("Version"); err == nil {
		rep.Systemd, _ = ParseVersion(v)
	}
	pid := uint32(os.Getpid())
	unit, err := UnitOf(ctx, conn, pid)
	switch {
	case err == nil && unit.Service && !unit.Main:
		return rep, fmt.Errorf("%w %s: its ExecStart= starts %s through another program (a shell?), so a scope of its own would take "+
			"the server out of the service, and `systemctl stop %s` would leave it running; "+
			"make the line ExecStart=/usr/local/bin/%s [arguments], with nothing in between (see %s)",
			ErrNotMainProcess, unit.Name, opts.Program, unit.Name, opts.Program, opts.UnitFile)
	case err == nil && unit.Service:
		rep.Outcome, rep.Unit, rep.OOMPolicy = InUnit, unit.Name, unit.OOMPolicy
		if err := checkService(h, unit, opts, &rep); err != nil {
			return rep, err
		}
	default:
		if err := createScope(ctx, conn, h, pid, opts, &rep); err != nil {
			return rep, err
		}
	}
	rep.Warnings = append(rep.Warnings, kernelWarnings(rep.Limits, rep.Gaps)...)
	if rep.Limits.Version == 2 {
		rep.ServerMax, rep.AgentsMax, err = Budget(opts.Caps, opts.ServerMax, opts.ServerMaxSetting)
		if err != nil {
			return rep, err
		}
		rep.Leaf = filepath.Join(rep.Limits.Dir, agentcg.ServerLeaf)
		rep.WatchDir = filepath.Join(rep.Limits.Dir, WatchLeaf)
		rep.Agents, err = LayOut(rep.Limits.Dir, Layout{opts.Wording, opts.ServerLow, rep.ServerMax, rep.AgentsMax})
		if err != nil {
			return rep, fmt.Errorf("%w: the agents cannot have cgroups of their own: %w", ErrNotCapped, err)
		}
	} else {
		rep.Warnings = append(rep.Warnings, "cgroup v1: agents share the server's memory cgroup (no agent cgroups without cgroup v2); "+
			"each agent raises its oom_score_adj, so the kernel kills an agent first")
	}
	return rep, nil
}

// checkService judges the service this process is the main process of.
func checkService(h Hierarchy, unit Unit, opts Options, rep *Report) error {
	loc, err := Locate(0)
	if err != nil {
		return err
	}
	if rep.Limits, err = OwnLimits(h, loc); err != nil {
		return err
	}
	rep.Gaps = Gaps(rep.Limits, opts.Caps)
	var missing []string
	for _, g := range rep.Gaps {
		if !g.Unenforceable {
			missing = append(missing, g.String())
		}
	}
	if unit.OOMPolicy != opts.Caps.OOMPolicy {
		missing = append(missing, "OOMPolicy="+opts.Caps.OOMPolicy+" (it says "+orNone(unit.OOMPolicy)+
			": the first OOM kill of an agent would stop the server)")
	}
	if rep.Limits.Version == 2 && !unit.Delegate {
		missing = append(missing, "Delegate=yes (without it agents cannot have cgroups of their own, and a runaway freezes the whole unit at MemoryHigh)")
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s runs without %s; add to it (`systemctl edit %s`):\n"+
		"  [Service]\n  MemoryHigh=%s\n  MemoryMax=%s\n  MemorySwapMax=%s\n  OOMPolicy=%s\n  Delegate=yes\n(as %s has them)",
		ErrServiceNotCapped, unit.Name, strings.Join(missing, "; "), unit.Name,
		FormatSize(opts.Caps.High), FormatSize(opts.Caps.Max), FormatSize(opts.Caps.SwapMax), opts.Caps.OOMPolicy, opts.UnitFile)
}

// createScope moves this process into a new capped scope and reads back
// what is in force.
func createScope(ctx context.Context, conn *sd.Conn, h Hierarchy, pid uint32, opts Options, rep *Report) error {
	name := opts.ScopeName
	if !strings.HasSuffix(name, ".scope") {
		name += ".scope"
	}
	var err error
	rep.Scope, err = StartScope(ctx, conn, ScopeRequest{Name: name, Description: opts.Description, PID: pid, Caps: opts.Caps})
	if err != nil {
		return err
	}
	rep.Outcome, rep.Unit, rep.OOMPolicy = ScopeCreated, rep.Scope.Name, rep.Scope.OOMPolicy
	loc, err := Locate(0)
	if err != nil {
		return err
	}
	if !inScope(loc, h, rep.Scope.Name) {
		return fmt.Errorf("%w: scope %s was created but this process is not in it (cgroup %q)", ErrNotCapped, rep.Scope.Name, loc.V2+loc.V1Memory)
	}
	if rep.Limits, err = OwnLimits(h, loc); err != nil {
		return err
	}
	rep.Gaps = Gaps(rep.Limits, opts.Caps)
	if !Satisfied(rep.Gaps) {
		why := "a user manager needs memory delegation (Delegate=memory on user@.service: `systemctl edit user@" + fmt.Sprint(os.Getuid()) +
			".service`), or run the server as a system service (" + opts.UnitFile + ")"
		return fmt.Errorf("%w: scope %s was created, but %s; %s", ErrNotCapped, rep.Scope.Name, Describe(rep.Gaps), why)
	}
	switch {
	case rep.Scope.Rejected:
		safe, why := RejectedOOMPolicy(rep.Systemd, opts.UnitFile)
		if !safe {
			return fmt.Errorf("%w: %s", ErrNotCapped, why)
		}
		rep.Warnings = append(rep.Warnings, why)
	case rep.Scope.OOMPolicy != opts.Caps.OOMPolicy:
		return fmt.Errorf("%w: systemd %s took OOMPolicy=%s for scope %s but reports %s",
			ErrNotCapped, rep.Systemd, opts.Caps.OOMPolicy, rep.Scope.Name, orNone(rep.Scope.OOMPolicy))
	}
	return nil
}

// ErrBudget means the server's bound leaves nothing for the agents below
// MemoryHigh.
var ErrBudget = errors.New("the server's bound does not fit below MemoryHigh")

// Budget divides the unit's MemoryHigh (its MemoryMax when MemoryHigh is
// unlimited) between the server's leaf, serverMax (0 for a quarter), the
// watcher's WatchMax and all agents together, the rest; so that the bounds
// together never reach the point where the unit is throttled. With both
// unlimited there is nothing to divide: the server's leaf is bounded only
// when serverMax says so, the agents not at all.
func Budget(c Caps, serverMax uint64, setting string) (server, agents uint64, err error) {
	total := c.High
	if total == Unlimited {
		total = c.Max
	}
	if total == Unlimited {
		if serverMax == 0 {
			serverMax = Unlimited
		}
		return serverMax, Unlimited, nil
	}
	if serverMax == 0 {
		serverMax = total / 4
	}
	if serverMax >= total || total-serverMax <= WatchMax {
		return 0, 0, fmt.Errorf("%w: the server's leaf (%s) and the watcher's (%s) leave nothing for the agents below MemoryHigh (%s); "+
			"lower %s, or raise MemoryHigh",
			ErrBudget, FormatSize(serverMax), FormatSize(WatchMax), FormatSize(total), setting)
	}
	return serverMax, total - serverMax - WatchMax, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// kernelWarnings says what the kernel cannot do here.
func kernelWarnings(l Limits, gaps []Gap) []string {
	var w []string
	for _, g := range gaps {
		if g.Unenforceable && g.Cap == "MemoryHigh" {
			w = append(w, "cgroup v1: MemoryHigh is not enforced (v1 has no memory.high; only MemoryMax is)")
		}
		if g.Unenforceable && g.Cap == "MemorySwapMax" {
			w = append(w, "cgroup v1: MemorySwapMax is not enforced "+
				"(v1 bounds memory and swap together, in memory.memsw.limit_in_bytes, which systemd does not set)")
		}
	}
	if l.Version == 1 {
		w = append(w, "cgroup v1: OOMPolicy has no effect here, since systemd cannot see an OOM kill on cgroup v1; the kernel kills the one process")
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
