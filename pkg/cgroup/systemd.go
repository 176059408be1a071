package cgroup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	sd "github.com/coreos/go-systemd/v22/dbus"
	godbus "github.com/godbus/dbus/v5"
)

// Connect opens the systemd manager of this process's session: root's at /run/systemd/private (no dbus-daemon
// needed); a system service's run as a user (t3-serve@USER: no XDG_RUNTIME_DIR, outside user.slice) on the system
// bus, as that socket is root's; else the user manager at $XDG_RUNTIME_DIR/systemd/private, else on the session bus.
func Connect(ctx context.Context) (*sd.Conn, error) {
	rt, uid := os.Getenv("XDG_RUNTIME_DIR"), strconv.Itoa(os.Getuid())
	sock := filepath.Join(rt, "systemd", "private")
	_, serr := os.Stat(sock)
	loc, lerr := Locate(0)
	who, where := "your systemd user manager", "at "+sock
	check := "; `systemctl status user@" + uid + ".service` says why none runs " +
		"(a user manager needs memory delegated to it: Delegate= on user@.service; `loginctl enable-linger` keeps one running)"
	var c *sd.Conn
	var err error
	switch {
	case lerr == nil && os.Geteuid() != 0 && rt == "" && loc.V2 != "" && !strings.HasPrefix(loc.V2, "/user.slice/"):
		who, where, check = "systemd", "on the system bus", ""
		c, err = sd.NewSystemConnectionContext(ctx)
	case os.Geteuid() == 0:
		who, where, check = "systemd", "at /run/systemd/private", ""
		c, err = sd.NewSystemdConnectionContext(ctx)
	case rt != "" && serr == nil: // EXTERNAL auth by uid, no Hello, as go-systemd talks to the system manager
		c, err = sd.NewConnection(func() (*godbus.Conn, error) {
			conn, err := godbus.Dial("unix:path="+sock, godbus.WithContext(ctx))
			if err != nil {
				return nil, err
			}
			if err := conn.Auth([]godbus.Auth{godbus.AuthExternal(uid)}); err != nil {
				conn.Close()
				return nil, err
			}
			return conn, nil
		})
	case os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "":
		where = "on the session bus"
		c, err = sd.NewUserConnectionContext(ctx)
	case rt == "": // without either, godbus would try to autolaunch a bus: no use
		return nil, errors.New("no systemd user manager to ask: XDG_RUNTIME_DIR is not set " +
			"(a login session sets it: start from one, or run the server as a system service)")
	default:
		return nil, errors.New("no systemd user manager answers for you: " + sock + " does not exist" + check)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s %s: %w%s", who, where, err, check)
	}
	return c, nil
}

// dbusErrorName returns the D-Bus error name of err, "" if none.
func dbusErrorName(err error) string {
	var de godbus.Error
	var dp *godbus.Error
	if !errors.As(err, &de) && errors.As(err, &dp) {
		de = *dp
	}
	return de.Name
}

// Unit is what the manager says of the unit that owns a process's cgroup: whether it is a service and the process
// its main one, its OOMPolicy ("" if none: a scope before 252.5), and whether its subtree is delegated.
type Unit struct {
	Name, OOMPolicy         string
	Service, Main, Delegate bool
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
		u.Main = unitProperty(ctx, conn, name, iface, "MainPID") == any(pid)
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

// Version is a systemd version (252.38 for "252.38-1~deb12u1"): it says what a rejected OOMPolicy means.
type Version struct{ Major, Patch int }

// ParseVersion parses the manager's Version property ("252.38-1~deb12u1", "253", "v255.4-1.fc40", "252-46.el9_4"), quoted or not.
func ParseVersion(s string) (Version, error) {
	t := strings.TrimPrefix(strings.Trim(strings.TrimSpace(s), `"`), "v")
	if end := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' }); end >= 0 {
		t = t[:end]
	}
	parts := strings.Split(t+".", ".") // major, patch ("" for none), …
	major, err := strconv.Atoi(parts[0])
	if err != nil {
		return Version{}, fmt.Errorf("systemd version %q: no major number", s)
	}
	patch, _ := strconv.Atoi(parts[1]) // "" for none: 0
	return Version{major, patch}, nil
}

func (v Version) String() string { return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Patch) }

// RejectedOOMPolicy says whether a scope whose OOMPolicy a manager of version v rejected is still safe for the server,
// and why: from 252.0 a scope stops at the first OOM kill, OOMPolicy came in 252.5; before 252 it lives on.
func RejectedOOMPolicy(v Version, unitFile string) (safe bool, why string) {
	if v.Major > 0 && v.Major < 252 {
		return true, "systemd " + v.String() + " does not know OOMPolicy on scopes, and its scopes do not react to an OOM kill: " +
			"the kernel kills the one runaway, the scope lives on"
	}
	return false, "systemd " + v.String() + " rejected OOMPolicy on the scope; a 252 before 252.5 stops the whole scope, server and all, " +
		"at the first OOM kill. Upgrade systemd, or run the server as a service with OOMPolicy=continue (" + unitFile + ")"
}

// ScopeProperties are the StartTransientUnit properties of req's scope; sizes are uint64 ("t"): systemd rejects int64.
func ScopeProperties(req ScopeRequest, withOOMPolicy bool) []sd.Property {
	prop := func(name string, v any) sd.Property { return sd.Property{Name: name, Value: godbus.MakeVariant(v)} }
	c := req.Caps
	props := []sd.Property{sd.PropDescription(req.Description), sd.PropPids(req.PID),
		prop("MemoryHigh", c.High), prop("MemoryMax", c.Max), prop("MemorySwapMax", c.SwapMax)}
	if !req.Agent {
		props = append(props, prop("Delegate", true), prop("CollectMode", "inactive-or-failed"))
	}
	if withOOMPolicy {
		props = append(props, prop("OOMPolicy", c.OOMPolicy))
	}
	return props
}

// Scope is a transient scope that was created: Name may differ from the one asked for; OOMPolicy is what the manager reports, "" when Rejected.
type Scope struct {
	Name, OOMPolicy string
	Rejected        bool
}

// ScopeRequest describes the scope to create: Name ends in .scope; Agent asks for one agent's scope (kept when it fails, for its
// Result), else it is a server's: delegated, and collected even when it fails.
type ScopeRequest struct {
	Name, Description string
	PID               uint32
	Caps              Caps
	Agent             bool
}

// StartScope creates a transient scope holding req.PID under the caps and waits for its job to be "done". A name
// taken (a failed scope of an earlier run) is reset and retried once under a fresh name; a manager that rejects
// OOMPolicy gets the scope without it. The caller judges the Scope.
func StartScope(ctx context.Context, conn *sd.Conn, req ScopeRequest) (Scope, error) {
	s := Scope{Name: req.Name}
	for retried := false; ; {
		ch := make(chan string, 1)
		_, err := conn.StartTransientUnitContext(ctx, s.Name, "fail", ScopeProperties(req, !s.Rejected), ch)
		if err == nil {
			select {
			case res := <-ch:
				if res == "done" {
					if !s.Rejected {
						s.OOMPolicy, _ = unitProperty(ctx, conn, s.Name, "Scope", "OOMPolicy").(string)
					}
					return s, nil
				}
				err = fmt.Errorf("job for %s finished with %q, not done", s.Name, res)
			case <-ctx.Done():
				err = fmt.Errorf("waiting for the job of %s: %w", s.Name, ctx.Err())
			}
		}
		switch name := dbusErrorName(err); {
		case name == "org.freedesktop.systemd1.UnitExists" && !retried:
			_ = conn.ResetFailedUnitContext(ctx, s.Name)
			s.Name, retried = freshName(req.Name), true
		case !s.Rejected && (name == "org.freedesktop.DBus.Error.InvalidArgs" || name == "org.freedesktop.DBus.Error.PropertyReadOnly"):
			s.Rejected = true // a manager that does not know OOMPolicy on scopes: once more without it
		default:
			return Scope{}, fmt.Errorf("create scope %s: %w", s.Name, err)
		}
	}
}

// freshName appends a time stamp to a scope name: t3-serve.scope → t3-serve-1732730000123.scope.
func freshName(name string) string {
	return fmt.Sprintf("%s-%d.scope", strings.TrimSuffix(name, ".scope"), time.Now().UnixMilli())
}
