package cgroup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	sd "github.com/coreos/go-systemd/v22/dbus"
	godbus "github.com/godbus/dbus/v5"
)

// Connect opens the systemd manager of this process's session: root's system
// manager at /run/systemd/private (no dbus-daemon needed), else the user
// manager at $XDG_RUNTIME_DIR/systemd/private, else on the session bus.
func Connect(ctx context.Context) (*sd.Conn, error) {
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
	sock := filepath.Join(rt, "systemd", "private")
	private := rt != ""
	if private {
		_, err := os.Stat(sock)
		private = err == nil
	}
	var c *sd.Conn
	var err error
	where := "at " + sock
	switch {
	case private: // EXTERNAL auth by uid, no Hello, as go-systemd talks to the system manager
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
		return nil, errors.New("no systemd user manager answers for you: " + sock + " does not exist; " + check)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to your systemd user manager %s: %w; %s", where, err, check)
	}
	return c, nil
}

// dbusErrorName returns the D-Bus error name of err, "" if none.
func dbusErrorName(err error) string {
	var de godbus.Error
	var dp *godbus.Error
	switch {
	case errors.As(err, &de):
		return de.Name
	case errors.As(err, &dp):
		return dp.Name
	}
	return ""
}
