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
	// OOMPolicy is the unit's ("" if none: a scope of a manager before 252.5).
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
	u := Unit{Name: name, Service: strings.HasSuffix(name, ".service")}
	iface := "Scope"
	if u.Service {
		iface = "Service"
		main, ok := unitProperty(ctx, conn, name, iface, "MainPID").(uint32)
		u.Main = ok && main == pid
	} else if !strings.HasSuffix(name, ".scope") {
		return u, nil
	}
	u.OOMPolicy, _ = unitProperty(ctx, conn, name, iface, "OOMPolicy").(string)
	u.Delegate, _ = unitProperty(ctx, conn, name, iface, "Delegate").(bool)
	return u, nil
}

// unitProperty reads a property of unit's type iface (Service, Scope); nil if it cannot.
func unitProperty(ctx context.Context, conn *sd.Conn, unit, iface, name string) any {
	p, err := conn.GetUnitTypePropertyContext(ctx, unit, iface, name)
	if err != nil {
		return nil
	}
	return p.Value.Value()
}
