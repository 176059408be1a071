package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// Cluster is Vault in its production shape on loopback: nodes with
// integrated storage (raft), TLS from a CA made for the run, initialised
// with one unseal key and unsealed by the test, never -dev.
type Cluster struct {
	Nodes     []*Node
	CA        *CA
	RootToken string
	UnsealKey string
	bin, dir  string
	mu        sync.Mutex
	clients   map[*Node]*api.Client // one connection pool per node
}

// Node is one `vault server -config` process.
type Node struct {
	ID, Addr string // Addr is https://127.0.0.1:port
	dir      string
	cmd      *exec.Cmd
	exited   chan struct{}
}

// StartCluster starts n nodes for t, initialises and unseals the first,
// joins the others to it as voters, and stops them all when t ends. It
// skips t when there is no vault binary.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	c, err := NewCluster(Vault(t), t.TempDir(), n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	if err := c.Form(); err != nil {
		t.Fatal(err)
	}
	return c
}

// NewCluster writes the CA, the certificates and the configuration of n
// nodes into dir and starts them, uninitialised; the caller stops them.
func NewCluster(bin, dir string, n int) (*Cluster, error) {
	ca, err := NewCA(dir, "claude-launch test Vault CA")
	if err != nil {
		return nil, err
	}
	c := &Cluster{CA: ca, bin: bin, dir: dir}
	for i := range n {
		if _, err := c.AddNode(); err != nil {
			c.Stop()
			return nil, fmt.Errorf("node %d: %w", i+1, err)
		}
	}
	return c, nil
}

// AddNode starts one more node, uninitialised and not joined.
func (c *Cluster) AddNode() (*Node, error) {
	id := "node" + strconv.Itoa(len(c.Nodes)+1)
	dir := filepath.Join(c.dir, id)
	if err := os.MkdirAll(filepath.Join(dir, "raft"), 0o700); err != nil {
		return nil, err
	}
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	cert, err := c.CA.Issue("127.0.0.1", "localhost")
	if err != nil {
		return nil, err
	}
	certFile, keyFile, err := WriteKeyPair(cert, dir, "tls")
	if err != nil {
		return nil, err
	}
	api, cluster := "127.0.0.1:"+strconv.Itoa(ports[0]), "127.0.0.1:"+strconv.Itoa(ports[1])
	// performance_multiplier 1: the timings production deployments use.
	hcl := fmt.Sprintf(`storage "raft" {
  path = %q
  node_id = %q
  performance_multiplier = 1
}
listener "tcp" {
  address = %q
  cluster_address = %q
  tls_cert_file = %q
  tls_key_file = %q
}
api_addr = "https://%s"
cluster_addr = "https://%s"
disable_mlock = true
ui = false
`, filepath.Join(dir, "raft"), id, api, cluster, certFile, keyFile, api, cluster)
	if err := os.WriteFile(filepath.Join(dir, "vault.hcl"), []byte(hcl), 0o600); err != nil {
		return nil, err
	}
	node := &Node{ID: id, Addr: "https://" + api, dir: dir}
	c.Nodes = append(c.Nodes, node)
	return node, c.start(node)
}

func (c *Cluster) start(n *Node) error {
	logf, err := os.OpenFile(filepath.Join(n.dir, "vault.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	n.cmd = exec.Command(c.bin, "server", "-config", filepath.Join(n.dir, "vault.hcl"))
	n.cmd.Env = append(os.Environ(), "HOME="+n.dir)
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	// A test binary killed by its -timeout leaves no node behind.
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := n.cmd.Start(); err != nil {
		return err
	}
	n.exited = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(n.cmd, n.exited)
	err = waitFor(20*time.Second, func() error {
		if !n.Running() {
			return errExited
		}
		_, err := c.Client(n).Sys().SealStatus()
		return err
	})
	if err != nil {
		b, _ := os.ReadFile(filepath.Join(n.dir, "vault.log"))
		return fmt.Errorf("%s did not start: %w\n%s", n.ID, err, b)
	}
	return nil
}

// errExited stops waiting for a node that is gone (its port was taken
// meanwhile, say): its log says why.
var errExited = errors.New("the process exited")

// Form initialises and unseals the first node and joins every other one
// to it, then waits until all are voters.
func (c *Cluster) Form() error {
	first := c.Nodes[0]
	init, err := c.Client(first).Sys().Init(&api.InitRequest{SecretShares: 1, SecretThreshold: 1})
	if err != nil {
		return fmt.Errorf("init %s: %w", first.ID, err)
	}
	c.RootToken, c.UnsealKey = init.RootToken, init.KeysB64[0]
	if err := c.Unseal(first); err != nil {
		return err
	}
	if err := waitFor(30*time.Second, func() error {
		if i := c.Leader(); i != 0 {
			return fmt.Errorf("%s is not active yet", first.ID)
		}
		return nil
	}); err != nil {
		return err
	}
	// Production waits 10 s before a joined node may vote; a test need not.
	if _, err := c.Root(first).Logical().Write("sys/storage/raft/autopilot/configuration",
		map[string]any{"server_stabilization_time": "2s", "cleanup_dead_servers": false}); err != nil {
		return fmt.Errorf("autopilot: %w", err)
	}
	for _, n := range c.Nodes[1:] {
		if err := c.Join(n); err != nil {
			return err
		}
	}
	return c.WaitVoters(len(c.Nodes), 60*time.Second)
}

// Join joins n to the cluster through the active node and unseals it.
func (c *Cluster) Join(n *Node) error {
	leader := c.Leader()
	if leader < 0 {
		return errors.New("no active node to join")
	}
	resp, err := c.Client(n).Sys().RaftJoin(&api.RaftJoinRequest{LeaderAPIAddr: c.Nodes[leader].Addr, LeaderCACert: string(c.CA.PEM)})
	switch {
	case err != nil:
		return fmt.Errorf("join %s: %w", n.ID, err)
	case !resp.Joined:
		return fmt.Errorf("join %s: the node says it did not join", n.ID)
	}
	return c.Unseal(n)
}

// Unseal unseals n with the cluster's key.
func (c *Cluster) Unseal(n *Node) error {
	return waitFor(30*time.Second, func() error {
		s, err := c.Client(n).Sys().Unseal(c.UnsealKey)
		if err != nil {
			return err
		}
		if s.Sealed {
			return fmt.Errorf("%s still sealed", n.ID)
		}
		return nil
	})
}

// WaitVoters waits until autopilot counts want healthy voters.
func (c *Cluster) WaitVoters(want int, d time.Duration) error {
	return waitFor(d, func() error {
		l := c.Leader()
		if l < 0 {
			return errors.New("no leader")
		}
		s, err := c.Root(c.Nodes[l]).Sys().RaftAutopilotState()
		if err != nil {
			return err
		}
		voters, seen := 0, ""
		for _, srv := range s.Servers {
			if (srv.Status == "voter" || srv.Status == "leader") && srv.Healthy {
				voters++
			}
			seen += fmt.Sprintf(" %s=%s/healthy=%t", srv.ID, srv.Status, srv.Healthy)
		}
		if voters < want {
			return fmt.Errorf("%d of %d voters:%s", voters, want, seen)
		}
		return nil
	})
}

// Leader is the index of the active node, or -1 when no live node says it
// is active.
func (c *Cluster) Leader() int {
	for i, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		l, err := c.Client(n).Sys().LeaderWithContext(ctx)
		cancel()
		if err == nil && l.IsSelf && l.HAEnabled {
			return i
		}
	}
	return -1
}

// Standbys are the indexes of the running nodes that are not active.
func (c *Cluster) Standbys() []int {
	leader := c.Leader()
	var out []int
	for i, n := range c.Nodes {
		if i != leader && n.Running() {
			out = append(out, i)
		}
	}
	return out
}

// Kill kills n's process (SIGKILL: no step-down, as a crash or a pulled
// cable) and waits until it is gone.
func (c *Cluster) Kill(n *Node) {
	if n.Running() {
		_ = n.cmd.Process.Kill()
		<-n.exited
	}
}

// Restart starts n again with its storage; it comes back sealed.
func (c *Cluster) Restart(n *Node) error {
	c.Kill(n)
	return c.start(n)
}

// Running reports whether n's process is alive.
func (n *Node) Running() bool {
	if n.cmd == nil || n.cmd.Process == nil {
		return false
	}
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// Stop kills every node.
func (c *Cluster) Stop() {
	for _, n := range c.Nodes {
		c.Kill(n)
	}
}

// EnableAudit turns on a file audit device for the cluster; every node
// writes what it serves to one log, which Reads counts.
func (c *Cluster) EnableAudit() error {
	l := c.Leader()
	if l < 0 {
		return errors.New("no active node")
	}
	return c.Root(c.Nodes[l]).Sys().EnableAuditWithOptions("file", &api.EnableAuditOptions{Type: "file", Options: map[string]string{"file_path": c.auditLog()}})
}

func (c *Cluster) auditLog() string { return filepath.Join(c.dir, "audit.log") }

// Reads counts the read requests of path (such as
// "secret/data/users/alice/claude") the audit log recorded.
func (c *Cluster) Reads(path string) (int, error) { return auditReads(c.auditLog(), path) }

// Client is a client of n without a token that trusts the cluster's CA;
// one per node, so that polling does not open a connection a call.
func (c *Cluster) Client(n *Node) *api.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[n]; ok {
		return cl
	}
	cfg := api.DefaultConfig()
	cfg.Address = n.Addr
	cfg.Timeout = 5 * time.Second
	cfg.MaxRetries = 0
	_ = cfg.ConfigureTLS(&api.TLSConfig{CACert: c.CA.File})
	cl, err := api.NewClient(cfg)
	if err != nil {
		panic(err)
	}
	cl.ClearToken()
	if c.clients == nil {
		c.clients = map[*Node]*api.Client{}
	}
	c.clients[n] = cl
	return cl
}

// Root is a client of n with the root token, for set-up; it shares n's
// connections.
func (c *Cluster) Root(n *Node) *api.Client {
	cl, err := c.Client(n).Clone()
	if err != nil {
		panic(err)
	}
	cl.SetToken(c.RootToken)
	return cl
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func waitFor(d time.Duration, f func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s: %w", d, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
