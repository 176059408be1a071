package cgroup

import (
	"encoding/binary"
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/claude-launch/claude-launch/internal/testenv"
	"golang.org/x/sys/unix"
)

// TestForks: the socket is readable when the server starts a process, and
// only then: the forks of other processes, this one's included, are dropped
// in the kernel. The watcher's wait reads them and ends with the server.
func TestForks(t *testing.T) {
	server := exec.Command("sh", "-c", "while read -r x; do /bin/true; done")
	in, err := server.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Process.Kill(); _ = server.Wait() })
	f, err := Forks(server.Process.Pid)
	if errors.Is(err, syscall.EPERM) {
		testenv.Missing(t, "CAP_NET_ADMIN, to subscribe to the kernel's process events", "run the tests as root")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// forks waits up to ms for the socket, then reads what it holds: how many forks, and of whom (another
	// subscriber's acknowledgement may be there too).
	forks := func(ms int) (n int, parents []uint32) {
		_, _ = unix.Poll([]unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLIN}}, ms)
		buf := make([]byte, 512)
		for {
			m, _, err := unix.Recvfrom(int(f.Fd()), buf, unix.MSG_DONTWAIT)
			if err != nil {
				return n, parents
			}
			if m >= 68 && binary.NativeEndian.Uint32(buf[36:]) == procEventFork {
				n, parents = n+1, append(parents, binary.NativeEndian.Uint32(buf[56:]))
			}
		}
	}
	for range 3 {
		_ = exec.Command("sh", "-c", "/bin/true; /bin/true").Run()
	}
	if n, parents := forks(0); n != 0 {
		t.Fatalf("forks of other processes reached the socket: of %v", parents)
	}
	if _, err := in.Write([]byte("\n")); err != nil {
		t.Fatal(err)
	}
	if n, parents := forks(10_000); n != 1 || parents[0] != uint32(server.Process.Pid) {
		t.Fatalf("the server forked once; the socket said %d forks, of %v", n, parents)
	}
	readable := func(ms int) bool {
		n, _ := unix.Poll([]unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLIN}}, ms)
		return n > 0
	}
	wait, done := (&Watcher{Server: server.Process.Pid, Forks: f}).waiter()
	defer done()
	_, _ = in.Write([]byte("\n"))
	if !readable(10_000) {
		t.Fatal("the server's second fork was not said")
	}
	if ended, forked := wait(10 * time.Second); ended || !forked {
		t.Errorf("the server forked; the wait said ended %v, forked %v", ended, forked)
	}
	if readable(0) {
		t.Error("the wait left fork events unread")
	}
	in.Close()
	if ended, _ := wait(10 * time.Second); !ended {
		t.Error("the wait did not see the server end")
	}
}
