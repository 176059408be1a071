package offline

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// ErrNoNamespaces is returned by Start when the namespaces cannot be made
// (not root, or a kernel without them).
var ErrNoNamespaces = errors.New("offline: cannot make private network and mount namespaces (needs root)")

// Hosts are the names the fakes answer for, mapped to 127.0.0.1 inside.
var Hosts = []string{"platform.claude.com", "api.anthropic.com", "claude.ai", "console.anthropic.com", "statsig.anthropic.com"}

// sandbox is a locked OS thread inside private network and mount
// namespaces. Processes started through it are forked from that thread,
// and so inherit both; listeners made through it bind the private
// loopback.
type sandbox struct {
	do   chan func()
	done chan struct{}
	tid  int // the thread's id: /proc/TID/net is the private namespace's
}

// newSandbox makes the namespaces on a new locked thread, with loopback up
// and hosts bind-mounted over /etc/hosts.
func newSandbox(hosts string) (*sandbox, error) {
	s := &sandbox{do: make(chan func()), done: make(chan struct{})}
	ready := make(chan error, 1)
	go func() {
		// The thread is never unlocked: when this goroutine returns, the
		// runtime ends the thread, and with it the namespaces (once the
		// processes started in them have exited).
		runtime.LockOSThread()
		defer close(s.done)
		if err := enter(hosts); err != nil {
			ready <- err
			return
		}
		s.tid = unix.Gettid()
		ready <- nil
		for f := range s.do {
			f()
		}
	}()
	if err := <-ready; err != nil {
		return nil, err
	}
	return s, nil
}

func enter(hosts string) error {
	if err := unix.Unshare(unix.CLONE_NEWNET | unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("%w: unshare: %v", ErrNoNamespaces, err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("%w: make / private: %v", ErrNoNamespaces, err)
	}
	if err := unix.Mount(hosts, "/etc/hosts", "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("%w: bind-mount %s over /etc/hosts: %v", ErrNoNamespaces, hosts, err)
	}
	return loopbackUp()
}

// loopbackUp brings up lo, which a new network namespace has down.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("lo flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("lo up: %w", err)
	}
	return nil
}

// run calls f on the sandbox's thread and waits for it.
func (s *sandbox) run(f func()) {
	ran := make(chan struct{})
	s.do <- func() { f(); close(ran) }
	<-ran
}

// start starts cmd inside the namespaces.
func (s *sandbox) start(cmd *exec.Cmd) (err error) {
	s.run(func() { err = cmd.Start() })
	return err
}

// listen listens on addr on the private loopback.
func (s *sandbox) listen(addr string) (l net.Listener, err error) {
	s.run(func() { l, err = net.Listen("tcp", addr) })
	return l, err
}

// close ends the thread, and with it the namespaces.
func (s *sandbox) close() {
	close(s.do)
	<-s.done
}

// writeHosts writes the hosts file the sandbox bind-mounts: the
// machine's own entries, then the fakes' names on 127.0.0.1.
func writeHosts(dir string) (string, error) {
	b, _ := os.ReadFile("/etc/hosts")
	b = append(b, "\n# claude-launch offline harness\n127.0.0.1"...)
	for _, h := range Hosts {
		b = append(b, ' ')
		b = append(b, h...)
	}
	b = append(b, '\n')
	p := filepath.Join(dir, "hosts")
	return p, os.WriteFile(p, b, 0o644)
}
