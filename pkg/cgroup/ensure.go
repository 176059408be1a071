package cgroup

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	sd "github.com/coreos/go-systemd/v22/dbus"

	"github.com/claude-launch/claude-launch/pkg/cgroup/agentcg"
	"github.com/claude-launch/claude-launch/pkg/kernfile"
)

// Ensure's errors: this process is not its service's main process (a scope of its own would take it out of the
// service); its service lacks caps; they are not in force in the scope made; nothing is left for the agents (Budget).
var (
	ErrNotMainProcess   = errors.New("this is not the main process of its service")
	ErrServiceNotCapped = errors.New("the service does not set the caps")
	ErrNotCapped        = errors.New("the memory caps are not in force")
	ErrBudget           = errors.New("the server's bound does not fit below MemoryHigh")
)

// Wording names, in messages, the caller's command, a service unit with the caps to copy, and ServerMax's setting.
type Wording struct{ Program, UnitFile, ServerMaxSetting string }

// Options configure Ensure: ScopeName gets ".scope" when it lacks it; ServerLow and ServerMax (0: Budget's) bound the server's leaf (v2).
type Options struct {
	Wording
	Caps                   Caps
	ScopeName, Description string
	ServerLow, ServerMax   uint64
}

// Report is what Ensure found and did: the Unit the server runs in (its service, or the Scope made: Name "" in a
// service), the manager's version, the unit's own Limits, the Gaps left (with a nil error only v1's) and OOMPolicy;
// on cgroup v2, the agents' directory, the server's and watcher's leaves and their bounds; Warnings for the user.
type Report struct {
	Unit, OOMPolicy, Agents, Leaf, WatchDir string
	Scope                                   Scope
	Systemd                                 Version
	Limits                                  Limits
	Gaps                                    []Gap
	ServerMax, AgentsMax                    uint64
	Warnings                                []string
}

// Ensure makes sure this process runs under opts.Caps, in a unit of its own with OOMPolicy=continue, and lays out
// the agents' cgroups in it. A service's main process has its unit checked (own limits, OOMPolicy, Delegate) and is
// refused, with the lines to add, when one is missing; a service's other process is refused; anything else moves
// into a new transient scope with the caps and reads them back, since a manager drops what it cannot apply.
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
	v, _ := conn.GetManagerProperty("Version") // "" when unknown: Version{}
	rep.Systemd, _ = ParseVersion(v)
	pid := uint32(os.Getpid())
	unit, err := UnitOf(ctx, conn, pid)
	switch {
	case err == nil && unit.Service && !unit.Main:
		exe, _ := os.Executable() // for a hint a person copies; "" when unknown
		return rep, fmt.Errorf("%w %s: its ExecStart= starts %s through another program (a shell?), so a scope of its own would take "+
			"the server out of the service, and `systemctl stop %s` would leave it running; "+
			"make the line ExecStart=%s [arguments], with nothing in between (see %s)",
			ErrNotMainProcess, unit.Name, opts.Program, unit.Name, cmp.Or(exe, opts.Program), opts.UnitFile)
	case err == nil && unit.Service:
		rep.Unit, rep.OOMPolicy = unit.Name, unit.OOMPolicy
		err = checkService(h, unit, opts, &rep)
	default:
		err = createScope(ctx, conn, h, pid, opts, &rep)
	}
	if err != nil {
		return rep, err
	}
	rep.Warnings = append(rep.Warnings, kernelWarnings(rep.Limits, rep.Gaps)...)
	if rep.Limits.Version != 2 {
		return rep, nil
	}
	if rep.ServerMax, rep.AgentsMax, err = Budget(opts.Caps, opts.ServerMax, opts.ServerMaxSetting); err != nil {
		return rep, err
	}
	rep.Leaf, rep.WatchDir = filepath.Join(rep.Limits.Dir, agentcg.ServerLeaf), filepath.Join(rep.Limits.Dir, WatchLeaf)
	if rep.Agents, err = LayOut(rep.Limits.Dir, opts.Wording, opts.ServerLow, rep.ServerMax, rep.AgentsMax); err != nil {
		return rep, fmt.Errorf("%w: the agents cannot have cgroups of their own: %w", ErrNotCapped, err)
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
		missing = append(missing, "OOMPolicy="+opts.Caps.OOMPolicy+" (it says "+cmp.Or(unit.OOMPolicy, "none")+
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

// createScope moves this process into a new capped scope and reads back what is in force.
func createScope(ctx context.Context, conn *sd.Conn, h Hierarchy, pid uint32, opts Options, rep *Report) error {
	var err error
	rep.Scope, err = StartScope(ctx, conn, ScopeRequest{Name: strings.TrimSuffix(opts.ScopeName, ".scope") + ".scope",
		Description: opts.Description, PID: pid, Caps: opts.Caps})
	if err != nil {
		return err
	}
	rep.Unit, rep.OOMPolicy = rep.Scope.Name, rep.Scope.OOMPolicy
	loc, err := Locate(0)
	if err != nil {
		return err
	}
	rep.Limits, err = OwnLimits(h, loc)
	switch {
	case err != nil:
		return err
	case path.Base(rep.Limits.Dir) != rep.Scope.Name:
		return fmt.Errorf("%w: scope %s was created but this process is not in it (cgroup %q)", ErrNotCapped, rep.Scope.Name, loc.V2+loc.V1Memory)
	}
	rep.Gaps = Gaps(rep.Limits, opts.Caps)
	if !Satisfied(rep.Gaps) {
		return fmt.Errorf("%w: scope %s was created, but %s; a user manager needs memory delegation (Delegate=memory on user@.service: "+
			"`systemctl edit user@%d.service`), or run the server as a system service (%s)",
			ErrNotCapped, rep.Scope.Name, Describe(rep.Gaps), os.Getuid(), opts.UnitFile)
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
			ErrNotCapped, rep.Systemd, opts.Caps.OOMPolicy, rep.Scope.Name, cmp.Or(rep.Scope.OOMPolicy, "none"))
	}
	return nil
}

// Budget divides the unit's MemoryHigh (else MemoryMax) between the server's leaf, serverMax (0: a quarter), the
// watcher's WatchMax and all agents, the rest, so the unit is never throttled; with neither there is nothing to divide.
func Budget(c Caps, serverMax uint64, setting string) (server, agents uint64, err error) {
	total := min(c.High, c.Max) // Validate keeps High <= Max
	switch {
	case total == Unlimited:
		return cmp.Or(serverMax, Unlimited), Unlimited, nil
	case serverMax == 0:
		serverMax = total / 4
	}
	if serverMax >= total || total-serverMax <= WatchMax {
		return 0, 0, fmt.Errorf("%w: the server's leaf (%s) and the watcher's (%s) leave nothing for the agents below MemoryHigh (%s); "+
			"lower %s, or raise MemoryHigh", ErrBudget, FormatSize(serverMax), FormatSize(WatchMax), FormatSize(total), setting)
	}
	return serverMax, total - serverMax - WatchMax, nil
}

// kernelWarnings says what cgroup v1 cannot do (Gaps marks only MemoryHigh and MemorySwapMax Unenforceable, on v1).
func kernelWarnings(l Limits, gaps []Gap) (w []string) {
	why := map[string]string{"MemoryHigh": "v1 has no memory.high; only MemoryMax is",
		"MemorySwapMax": "v1 bounds memory and swap together, in memory.memsw.limit_in_bytes, which systemd does not set"}
	for _, g := range gaps {
		if g.Unenforceable {
			w = append(w, "cgroup v1: "+g.Cap+" is not enforced ("+why[g.Cap]+")")
		}
	}
	if l.Version == 1 {
		w = append(w, "cgroup v1: OOMPolicy has no effect here, since systemd cannot see an OOM kill on cgroup v1; the kernel kills the one process",
			"cgroup v1: agents share the server's memory cgroup (no agent cgroups without cgroup v2); "+
				"each agent raises its oom_score_adj, so the kernel kills an agent first")
	}
	return w
}

// WatchLeaf is the leaf of the Watcher, a small Go program; WatchMax its memory.max.
const (
	WatchLeaf = "watch"
	WatchMax  = 16 << 20
)

// LayOut turns the unit's delegated cgroup dir (v2) into package agentcg's layout with the watcher's leaf beside it,
// moves this process into the server's leaf (serverLow, serverMax: with all it starts but agents; agentsMax: all
// agents), and returns the agents directory. The bounds fit MemoryHigh (Budget; docs/t3-serve.md).
func LayOut(dir string, w Wording, serverLow, serverMax, agentsMax uint64) (agents string, err error) {
	leaf, watch, agents := filepath.Join(dir, agentcg.ServerLeaf), filepath.Join(dir, WatchLeaf), filepath.Join(dir, agentcg.AgentsDir)
	hint := "; the unit needs Delegate=yes (" + w.UnitFile + ")"
	if err := mkdirCgroup(leaf); err != nil {
		return "", fmt.Errorf("%w%s", err, hint)
	} else if err := kernfile.WriteFile(filepath.Join(leaf, "cgroup.procs"), "0"); err != nil {
		return "", fmt.Errorf("move the server into %s: %w%s", leaf, err, hint)
	}
	if procs, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs")); len(strings.TrimSpace(string(procs))) > 0 {
		return "", fmt.Errorf("the unit's cgroup %s still holds other processes (%s), so its agents cannot have cgroups of their own: "+
			"start %s as the unit's only process (ExecStart=, no ExecStartPre= that lingers)",
			dir, strings.Join(strings.Fields(string(procs)), " "), w.Program)
	}
	if err := enableMemory(dir); err != nil {
		return "", fmt.Errorf("%w%s", err, hint)
	}
	if err := kernfile.Bound(leaf, serverMax, serverLow, false); err != nil {
		return "", fmt.Errorf("bound the server's leaf: %w", err)
	}
	if err := mkdirCgroup(watch); err != nil {
		return "", err
	} else if err := kernfile.Bound(watch, WatchMax, 0, false); err != nil {
		return "", fmt.Errorf("bound the watcher's leaf: %w", err)
	}
	if err := mkdirCgroup(agents); err != nil {
		return "", err
	} else if err := enableMemory(agents); err != nil {
		return "", err
	}
	if agentsMax != Unlimited {
		if err := kernfile.WriteFile(filepath.Join(agents, "memory.max"), strconv.FormatUint(agentsMax, 10)); err != nil {
			return "", fmt.Errorf("bound the agents together (memory.max): %w", err)
		}
	}
	return agents, nil
}

func mkdirCgroup(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create cgroup %s: %w", dir, err)
	}
	return nil
}

// enableMemory gives the children of dir the memory controller.
func enableMemory(dir string) error {
	if err := kernfile.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), "+memory"); err != nil {
		return fmt.Errorf("enable the memory controller below %s: %w", dir, err)
	}
	return nil
}
