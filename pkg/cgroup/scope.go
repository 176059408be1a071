package cgroup

import (
	"context"
	"fmt"
	"strings"
	"time"

	sd "github.com/coreos/go-systemd/v22/dbus"
	godbus "github.com/godbus/dbus/v5"
)

// ScopeProperties are the StartTransientUnit properties of the capped scope
// req asks for. The memory limits must be D-Bus uint64 ("t"): systemd
// rejects int64 with "Unexpected message contents".
func ScopeProperties(req ScopeRequest, withOOMPolicy bool) []sd.Property {
	c := req.Caps
	props := []sd.Property{
		sd.PropDescription(req.Description),
		sd.PropPids(req.PID),
		{Name: "MemoryHigh", Value: godbus.MakeVariant(c.High)},
		{Name: "MemoryMax", Value: godbus.MakeVariant(c.Max)},
		{Name: "MemorySwapMax", Value: godbus.MakeVariant(c.SwapMax)},
	}
	if !req.Agent {
		props = append(props, sd.Property{Name: "Delegate", Value: godbus.MakeVariant(true)},
			sd.Property{Name: "CollectMode", Value: godbus.MakeVariant("inactive-or-failed")})
	}
	if withOOMPolicy {
		props = append(props, sd.Property{Name: "OOMPolicy", Value: godbus.MakeVariant(c.OOMPolicy)})
	}
	return props
}

// Scope is a transient scope that was created.
type Scope struct {
	// Name is the unit name, which may differ from the one asked for if
	// that was taken.
	Name string
	// OOMPolicy is the policy the manager reports for the scope once
	// created, "" when it rejected the property (Rejected).
	OOMPolicy string
	Rejected  bool
}

// ScopeRequest describes the scope to create.
type ScopeRequest struct {
	Name        string // unit name ending in .scope
	Description string
	PID         uint32
	Caps        Caps
	// Agent asks for one agent's scope; otherwise a server's, its subtree
	// delegated to it (for the agents' cgroups) and collected even when it
	// fails. A failed agent's scope keeps its Result until reset.
	Agent bool
}

// StartScope creates a transient scope holding req.PID under the caps and
// waits for its job to finish with "done". A name already taken
// (org.freedesktop.systemd1.UnitExists, for example a failed scope of an
// earlier run) is reset and retried once under a fresh name. A manager
// that rejects OOMPolicy gets the scope without it (Scope.Rejected); one
// that accepts it is asked what it made of it (Scope.OOMPolicy). The
// caller judges either answer.
func StartScope(ctx context.Context, conn *sd.Conn, req ScopeRequest) (Scope, error) {
	s := Scope{Name: req.Name}
	retried := false
	for {
		err := startAndWait(ctx, conn, s.Name, ScopeProperties(req, !s.Rejected))
		if err == nil {
			break
		}
		name := dbusErrorName(err)
		switch {
		case name == "org.freedesktop.systemd1.UnitExists" && !retried:
			_ = conn.ResetFailedUnitContext(ctx, s.Name)
			s.Name = freshName(req.Name)
			retried = true
		case !s.Rejected && rejectsOOMPolicy(name, err):
			s.Rejected = true
		default:
			return Scope{}, fmt.Errorf("create scope %s: %w", s.Name, err)
		}
	}
	if !s.Rejected {
		if p, err := conn.GetUnitTypePropertyContext(ctx, s.Name, "Scope", "OOMPolicy"); err == nil {
			s.OOMPolicy, _ = p.Value.Value().(string)
		}
	}
	return s, nil
}

// rejectsOOMPolicy recognises a manager that does not know OOMPolicy on
// scopes.
func rejectsOOMPolicy(name string, err error) bool {
	return (name == "org.freedesktop.DBus.Error.InvalidArgs" || name == "org.freedesktop.DBus.Error.PropertyReadOnly") &&
		strings.Contains(err.Error(), "OOMPolicy")
}

func startAndWait(ctx context.Context, conn *sd.Conn, name string, props []sd.Property) error {
	ch := make(chan string, 1)
	if _, err := conn.StartTransientUnitContext(ctx, name, "fail", props, ch); err != nil {
		return err
	}
	select {
	case res := <-ch:
		if res != "done" {
			return fmt.Errorf("job for %s finished with %q, not done", name, res)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for the job of %s: %w", name, ctx.Err())
	}
}

// freshName appends a time stamp to a scope name: t3-serve.scope →
// t3-serve-1732730000123.scope.
func freshName(name string) string {
	base := strings.TrimSuffix(name, ".scope")
	return fmt.Sprintf("%s-%d.scope", base, time.Now().UnixMilli())
}
