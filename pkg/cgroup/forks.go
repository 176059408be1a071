package cgroup

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// The process connector's constants (linux/connector.h, linux/cn_proc.h).
const (
	cnIdxProc, cnValProc = 1, 1 // its netlink group, and the id its messages carry
	procCnMcastListen    = 1    // the subscription's operation
	procEventNone        = 0    // an acknowledgement's kind of event
	procEventFork        = 1
)

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
	// Jt and Jf count the instructions to skip: 9 is accept, 10 drop.
	prog := []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 36},                        // 0: what
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: procEventNone, Jt: 7},     // 1: an acknowledgement: accept
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: be(procEventFork), Jf: 7}, // 2: not a fork: drop
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 56},                        // 3: parent_tgid
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: be(uint32(pid)), Jf: 5},   // 4: not pid's: drop
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 64},                        // 5: child_tgid
		{Code: unix.BPF_MISC | unix.BPF_TAX},                                          // 6
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 60},                        // 7: child_pid
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_X, Jf: 1},                       // 8: a thread (pid is not tgid): drop
		{Code: unix.BPF_RET | unix.BPF_K, K: 0xffff},                                  // 9: accept
		{Code: unix.BPF_RET | unix.BPF_K},                                             // 10: drop
	}
	// nlmsghdr{len, type NLMSG_DONE}, cn_msg{idx, val, ack: pid, len 4}, then the operation.
	listen := binary.NativeEndian.AppendUint32(make([]byte, 16+20), procCnMcastListen)
	binary.NativeEndian.PutUint32(listen, uint32(len(listen)))
	binary.NativeEndian.PutUint16(listen[4:], unix.NLMSG_DONE)
	binary.NativeEndian.PutUint32(listen[16:], cnIdxProc)
	binary.NativeEndian.PutUint32(listen[20:], cnValProc)
	binary.NativeEndian.PutUint32(listen[28:], uint32(pid))
	binary.NativeEndian.PutUint16(listen[32:], 4)
	err = unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]})
	if err == nil {
		err = unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: cnIdxProc})
	}
	if err == nil {
		err = unix.Sendto(fd, listen, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
	}
	if err == nil {
		err = acknowledged(fd, uint32(pid))
	}
	if err == nil { // from now on forks alone: not even another subscriber's acknowledgement
		prog = append(prog[:1], prog[2:]...)
		err = unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]})
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("subscribe to the kernel's process events: %w", err)
	}
	return f, nil
}

// acknowledged reads the connector's answer to the subscription sent with ack, queued before sendto returned: an
// event of no kind, with ack+1 (at 28), whose err (at 52) is 0. None comes when it was refused and nobody else listens.
func acknowledged(fd int, ack uint32) error {
	buf := make([]byte, 512)
	for {
		n, _, err := unix.Recvfrom(fd, buf, unix.MSG_DONTWAIT)
		switch {
		case errors.Is(err, unix.EAGAIN):
			return errors.New("the kernel did not acknowledge the subscription (CAP_NET_ADMIN?)")
		case err != nil:
			return err
		case n >= 56 && binary.NativeEndian.Uint32(buf[36:]) == procEventNone && binary.NativeEndian.Uint32(buf[28:]) == ack+1:
			if e := binary.NativeEndian.Uint32(buf[52:]); e != 0 {
				return unix.Errno(e)
			}
			return nil
		}
	}
}
