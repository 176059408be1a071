package cgroup

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// The process connector's constants (linux/connector.h, linux/cn_proc.h).
const cnIdxProc, cnValProc, procCnMcastListen, procEventNone, procEventFork = 1, 1, 1, 0, 1

// Forks subscribes to the kernel's process events (the netlink process connector) for the forks of pid alone:
// a filter in the kernel drops every other event (but acknowledgements), and every new thread, so the socket it
// returns is readable only when pid starts a process. Subscribing needs CAP_NET_ADMIN; reading does not.
func Forks(pid int) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_CONNECTOR)
	if err != nil {
		return nil, fmt.Errorf("subscribe to the kernel's process events: %w", err)
	}
	f := os.NewFile(uintptr(fd), "forks")
	// A message is nlmsghdr (16 bytes), cn_msg (20), then proc_event: what (36), …, for a fork parent_tgid (56),
	// child_pid (60), child_tgid (64). Loads are big-endian; the kernel writes its own order.
	be := func(v uint32) uint32 { return binary.BigEndian.Uint32(binary.NativeEndian.AppendUint32(nil, v)) }
	prog := []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 36},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: procEventNone, Jt: 7},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: be(procEventFork), Jf: 7},
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 56},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: be(uint32(pid)), Jf: 5},
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 64},
		{Code: unix.BPF_MISC | unix.BPF_TAX},
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 60},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_X, Jf: 1}, // a thread's child_pid is not its tgid
		{Code: unix.BPF_RET | unix.BPF_K, K: 0xffff},
		{Code: unix.BPF_RET | unix.BPF_K},
	}
	listen := binary.NativeEndian.AppendUint32(make([]byte, 16+20), procCnMcastListen)
	binary.NativeEndian.PutUint32(listen, uint32(len(listen)))
	binary.NativeEndian.PutUint16(listen[4:], unix.NLMSG_DONE)
	binary.NativeEndian.PutUint32(listen[16:], cnIdxProc)
	binary.NativeEndian.PutUint32(listen[20:], cnValProc)
	binary.NativeEndian.PutUint16(listen[32:], 4)
	err = unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]})
	if err == nil {
		err = unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: cnIdxProc})
	}
	if err == nil {
		err = unix.Sendto(fd, listen, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
	}
	if err == nil {
		err = acknowledged(fd)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("subscribe to the kernel's process events: %w", err)
	}
	return f, nil
}

// acknowledged reads the connector's answer to the subscription, queued before sendto returned: an event of
// no kind whose err (at 52) is 0. None comes when it was refused and nobody else listens.
func acknowledged(fd int) error {
	buf := make([]byte, 512)
	for {
		n, _, err := unix.Recvfrom(fd, buf, unix.MSG_DONTWAIT)
		switch {
		case errors.Is(err, unix.EAGAIN):
			return errors.New("the kernel did not acknowledge the subscription (CAP_NET_ADMIN?)")
		case err != nil:
			return err
		case n >= 56 && binary.NativeEndian.Uint32(buf[36:]) == procEventNone:
			if e := binary.NativeEndian.Uint32(buf[52:]); e != 0 {
				return unix.Errno(e)
			}
			return nil
		}
	}
}
