package cgroup

import (
	"context"
	"strings"

	sd "github.com/coreos/go-systemd/v22/dbus"
)

// Unit is what the manager says of the unit that owns a process's cgroup.
type Unit struct {
	Name string
	// Service: the unit is a service; Main: the process is its main one.
	Service, Main bool
	// OOMPolicy is the unit's, as the manager reports it ("" if it has
	// none: a scope of a manager older than 252.5).
	OOMPolicy string
	// Delegate: the unit's cgroup subtree is delegated to its processes.
	Delegate bool
}

// UnitOf asks the manager for the unit that owns pid's cgroup.
func UnitOf(ctx context.Context, conn *sd.Conn, pid uint32) (Unit, error) {
	name, err := conn.GetUnitNameByPID(ctx, pid)
	if err != nil {
		return Unit{}, err
	}
	u := Unit{Name: name}
	iface := ""
	switch {
	case strings.HasSuffix(name, ".service"):
		u.Service, iface = true, "Service"
	case strings.HasSuffix(name, ".scope"):
		iface = "Scope"
	default:
		return u, nil
	}
	if u.Service {
		if p, err := conn.GetUnitTypePropertyContext(ctx, name, iface, "MainPID"); err == nil {
			main, ok := p.Value.Value().(uint32)
			u.Main = ok && main == pid
		}
	}
	if p, err := conn.GetUnitTypePropertyContext(ctx, name, iface, "OOMPolicy"); err == nil {
		u.OOMPolicy, _ = p.Value.Value().(string)
	}
	if p, err := conn.GetUnitTypePropertyContext(ctx, name, iface, "Delegate"); err == nil {
		u.Delegate, _ = p.Value.Value().(bool)
	}
	return u, nil
}
