package cgroup

import (
	"context"
	"fmt"
	"strings"
	"time"

	sd "github.com/coreos/go-systemd/v22/dbus"
	godbus "github.com/godbus/dbus/v5"
)

// ScopeProperties are the StartTransientUnit properties of the scope req asks
// for; sizes are D-Bus uint64 ("t"): systemd rejects int64.
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

// Scope is a transient scope that was created: Name may differ from the one
// asked for; OOMPolicy is what the manager reports, "" when Rejected.
type Scope struct {
	Name, OOMPolicy string
	Rejected        bool
}

// ScopeRequest describes the scope to create.
type ScopeRequest struct {
	Name        string // unit name ending in .scope
	Description string
	PID         uint32
	Caps        Caps
	// Agent asks for one agent's scope (kept when it fails, for its Result);
	// otherwise a server's: delegated, and collected even when it fails.
	Agent bool
}

// StartScope creates a transient scope holding req.PID under the caps and
// waits for its job to be "done". A name taken (a failed scope of an earlier
// run) is reset and retried once under a fresh name; a manager that rejects
// OOMPolicy gets the scope without it. The caller judges the Scope.
func StartScope(ctx context.Context, conn *sd.Conn, req ScopeRequest) (Scope, error) {
	s := Scope{Name: req.Name}
	retried := false
	for {
		err := startAndWait(ctx, conn, s.Name, ScopeProperties(req, !s.Rejected))
		if err == nil {
			break
		}
		switch name := dbusErrorName(err); {
		case name == "org.freedesktop.systemd1.UnitExists" && !retried:
			_ = conn.ResetFailedUnitContext(ctx, s.Name)
			s.Name, retried = freshName(req.Name), true
		case !s.Rejected && (name == "org.freedesktop.DBus.Error.InvalidArgs" || name == "org.freedesktop.DBus.Error.PropertyReadOnly") &&
			strings.Contains(err.Error(), "OOMPolicy"): // a manager that does not know OOMPolicy on scopes
			s.Rejected = true
		default:
			return Scope{}, fmt.Errorf("create scope %s: %w", s.Name, err)
		}
	}
	if !s.Rejected {
		s.OOMPolicy, _ = unitProperty(ctx, conn, s.Name, "Scope", "OOMPolicy").(string)
	}
	return s, nil
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

// freshName appends a time stamp to a scope name: t3-serve.scope → t3-serve-1732730000123.scope.
func freshName(name string) string {
	return fmt.Sprintf("%s-%d.scope", strings.TrimSuffix(name, ".scope"), time.Now().UnixMilli())
}
