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

// Connect opens the systemd manager that owns this process's session: the
// system manager for root, through its private socket
// (/run/systemd/private, no dbus-daemon needed); otherwise the user
// manager, through $XDG_RUNTIME_DIR/systemd/private, else the session bus.
func Connect(ctx context.Context) (*sd.Conn, error) {
	if os.Geteuid() == 0 {
		c, err := sd.NewSystemdConnectionContext(ctx)
		if err != nil {
			return nil, fmt.Errorf("connect to systemd at /run/systemd/private: %w", err)
		}
		return c, nil
	}
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" {
		sock := filepath.Join(rt, "systemd", "private")
		if _, err := os.Stat(sock); err == nil {
			c, err := sd.NewConnection(func() (*godbus.Conn, error) { return dialPrivate(ctx, sock) })
			if err == nil {
				return c, nil
			}
		}
	}
	c, err := sd.NewUserConnectionContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to your systemd user manager: %w (is XDG_RUNTIME_DIR set and a user manager running? `loginctl enable-linger` starts one)", err)
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
