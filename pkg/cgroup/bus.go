package cgroup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	sd "github.com/coreos/go-systemd/v22/dbus"
	godbus "github.com/godbus/dbus/v5"
)

// Connect opens the systemd manager that owns this process's session: the
// system manager for root, through its private socket
// (/run/systemd/private, no dbus-daemon needed); otherwise the user
// manager, through $XDG_RUNTIME_DIR/systemd/private, else the session bus;
// in a system service run as a user (t3-serve@USER), the system manager on
// the system bus, as its private socket is root's.
func Connect(ctx context.Context) (*sd.Conn, error) {
	if loc, err := Locate(0); err == nil && os.Geteuid() != 0 && loc.V2 != "" && !strings.HasPrefix(loc.V2, "/user.slice/") {
		c, err := sd.NewSystemConnectionContext(ctx)
		if err != nil {
			return nil, fmt.Errorf("connect to systemd on the system bus: %w", err)
		}
		return c, nil
	}
	if os.Geteuid() == 0 {
		c, err := sd.NewSystemdConnectionContext(ctx)
		if err != nil {
			return nil, fmt.Errorf("connect to systemd at /run/systemd/private: %w", err)
		}
		return c, nil
	}
	rt := os.Getenv("XDG_RUNTIME_DIR")
	uid := strconv.Itoa(os.Getuid())
	check := "`systemctl status user@" + uid + ".service` says why none runs " +
		"(a user manager needs memory delegated to it: Delegate= on user@.service; `loginctl enable-linger` keeps one running)"
	if rt != "" {
		sock := filepath.Join(rt, "systemd", "private")
		if _, err := os.Stat(sock); err == nil {
			c, err := sd.NewConnection(func() (*godbus.Conn, error) { return dialPrivate(ctx, sock) })
			if err != nil {
				return nil, fmt.Errorf("connect to your systemd user manager at %s: %w; %s", sock, err, check)
			}
			return c, nil
		}
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		// Without either, godbus would try to autolaunch a bus: no use.
		if rt == "" {
			return nil, errors.New("no systemd user manager to ask: XDG_RUNTIME_DIR is not set " +
				"(a login session sets it: start from one, or run the server as a system service)")
		}
		return nil, errors.New("no systemd user manager answers for you: " + filepath.Join(rt, "systemd", "private") + " does not exist; " + check)
	}
	c, err := sd.NewUserConnectionContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to your systemd user manager on the session bus: %w; %s", err, check)
	}
	return c, nil
}

// dialPrivate talks to a manager's private socket directly, as
// go-systemd does for the system manager: EXTERNAL auth by uid, no Hello.
func dialPrivate(ctx context.Context, sock string) (*godbus.Conn, error) {
	conn, err := godbus.Dial("unix:path="+sock, godbus.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	if err := conn.Auth([]godbus.Auth{godbus.AuthExternal(strconv.Itoa(os.Getuid()))}); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// dbusErrorName returns the D-Bus error name of err, "" if none.
func dbusErrorName(err error) string {
	var de godbus.Error
	if errors.As(err, &de) {
		return de.Name
	}
	var dp *godbus.Error
	if errors.As(err, &dp) {
		return dp.Name
	}
	return ""
}
