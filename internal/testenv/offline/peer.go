package offline

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// peerPID finds the process that holds the client end of a connection
// on the private loopback, given the server's view of its address: the
// socket's inode from /proc/PID/net/tcp (read through a process inside
// the namespace), then the process with that inode among its descriptors.
func peerPID(inside int, remote string) (int, error) {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return 0, err
	}
	inode, err := socketInode(filepath.Join("/proc", strconv.Itoa(inside), "net", "tcp"), ap)
	if err != nil {
		return 0, err
	}
	want := "socket:[" + inode + "]"
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		fds, err := os.ReadDir(filepath.Join("/proc", p.Name(), "fd"))
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if l, _ := os.Readlink(filepath.Join("/proc", p.Name(), "fd", fd.Name())); l == want {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("no process holds the socket of %s", remote)
}

// socketInode finds the inode of the IPv4 socket whose local address is
// ap in a /proc/net/tcp table.
func socketInode(table string, ap netip.AddrPort) (string, error) {
	f, err := os.Open(table)
	if err != nil {
		return "", err
	}
	defer f.Close()
	a := ap.Addr().As4()
	// /proc/net/tcp prints the address as a little-endian 32-bit word.
	local := fmt.Sprintf("%02X%02X%02X%02X:%04X", a[3], a[2], a[1], a[0], ap.Port())
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) > 9 && fs[1] == local {
			return fs[9], nil
		}
	}
	return "", fmt.Errorf("no socket at %s in %s", ap, table)
}
