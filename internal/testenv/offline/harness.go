package offline

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/claude-launch/claude-launch/internal/testenv"
	"golang.org/x/sys/unix"
)

// Options shape the token endpoint and the Messages API.
type Options struct {
	// Policy for a refresh token presented again; Reject by default.
	Policy Policy
	// Grace, when set, is a reuse window: a refresh token presented again
	// within it of its rotation gets the tokens its rotation issued.
	Grace time.Duration
	// Lifetime of an access token the endpoint issues (expires_in); 8 h
	// by default, as claude.ai's. claude refreshes 5 minutes ahead of
	// expiry, so a lifetime of 5 min + d makes it refresh d after.
	Lifetime time.Duration
	// LatencyBefore delays a refresh before the endpoint rotates;
	// LatencyAfter delays the answer after it has rotated (the window in
	// which a client cut short loses the login).
	LatencyBefore, LatencyAfter time.Duration
	// Hook, if set, is called for every refresh request at two moments,
	// before the endpoint rotates and after it rotated but before it
	// answers, with the PID of the client that asked (0 if it was not
	// found). It returns true when it killed the client, which then gets
	// no answer (and, before the rotation, nothing is rotated).
	Hook func(at Moment, pid int) (killed bool)
	// Reply, if set, says what a Messages API call with n messages gets.
	Reply func(n int) Reply
}

// Request is one request the fakes saw. Tokens appear only as Harness
// short names ("F1-3", "setup"), never whole.
type Request struct {
	Time    time.Time `json:"time"`
	Method  string    `json:"method"`
	Host    string    `json:"host"`
	Path    string    `json:"path"`
	Bearer  string    `json:"bearer,omitempty"`
	Refresh string    `json:"refresh_token,omitempty"`
	Answer  string    `json:"answer"`
	PeerPID int       `json:"peer_pid,omitempty"`
}

// Moment is when in a refresh Options.Hook is called.
type Moment string

const (
	// BeforeRotation: the request has arrived, nothing has changed yet.
	BeforeRotation Moment = "before-rotation"
	// AfterRotation: the old refresh token is dead, the answer not sent.
	AfterRotation Moment = "after-rotation"
)

// TokenPath is the token endpoint's path.
const TokenPath = "/v1/oauth/token"

// Harness is the fakes, the namespaces they are reached through, and the
// processes started in them.
type Harness struct {
	opts    Options
	dir     string
	caFile  string
	apiURL  string
	sb      *sandbox
	servers []*http.Server

	closing  sync.Once
	mu       sync.Mutex
	log      []Request
	serial   int
	family   int
	families map[int]*family
	access   map[string]time.Time
	refresh  map[string]*refreshToken
	setup    map[string]bool
	procs    []*exec.Cmd
}

// Start makes the namespaces, the CA and the fakes; dir holds the CA and
// hosts files. Close undoes it all. It returns an error wrapping
// ErrNoNamespaces when the namespaces cannot be made.
func Start(dir string, opts Options) (*Harness, error) {
	if opts.Policy == "" {
		opts.Policy = Reject
	}
	if opts.Lifetime == 0 {
		opts.Lifetime = 8 * time.Hour
	}
	h := &Harness{opts: opts, dir: dir, families: map[int]*family{}, access: map[string]time.Time{},
		refresh: map[string]*refreshToken{}, setup: map[string]bool{}}
	ca, err := testenv.NewCA(dir, "claude-launch offline harness CA")
	if err != nil {
		return nil, err
	}
	cert, err := ca.Issue(Hosts...)
	if err != nil {
		return nil, err
	}
	h.caFile = ca.File
	hosts, err := writeHosts(dir)
	if err != nil {
		return nil, err
	}
	if h.sb, err = newSandbox(hosts); err != nil {
		return nil, err
	}
	tlsL, err := h.sb.listen("127.0.0.1:443")
	if err != nil {
		h.sb.close()
		return nil, err
	}
	apiL, err := h.sb.listen("127.0.0.1:0")
	if err != nil {
		tlsL.Close()
		h.sb.close()
		return nil, err
	}
	h.apiURL = "http://" + apiL.Addr().String()
	for _, l := range []net.Listener{tls.NewListener(tlsL, &tls.Config{Certificates: []tls.Certificate{cert}}), apiL} {
		srv := &http.Server{Handler: http.HandlerFunc(h.serve), ReadHeaderTimeout: 10 * time.Second}
		h.servers = append(h.servers, srv)
		go func() { _ = srv.Serve(l) }()
	}
	return h, nil
}

// serve logs each request and routes it.
func (h *Harness) serve(w http.ResponseWriter, r *http.Request) {
	req := Request{Time: time.Now(), Method: r.Method, Host: r.Host, Path: r.URL.Path}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	h.mu.Lock()
	req.Bearer = h.short(tok)
	h.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == TokenPath:
		h.token(w, r, &req)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/messages":
		h.messages(w, r, &req)
	case r.URL.Path == "/api/oauth/profile":
		h.profile(w, r, &req)
	case r.URL.Path == "/api/hello" || r.URL.Path == "/v1/oauth/hello":
		req.Answer = "200"
		writeJSON(w, map[string]string{"message": "hello"})
	default:
		req.Answer = "404"
		http.NotFound(w, r)
	}
	h.mu.Lock()
	h.log = append(h.log, req)
	h.mu.Unlock()
}

// Close kills what the harness started and is still running, stops the
// fakes and ends the namespaces.
// A second Close does nothing.
func (h *Harness) Close() {
	h.closing.Do(func() {
		h.mu.Lock()
		procs := h.procs
		h.procs = nil
		h.mu.Unlock()
		for _, c := range procs {
			// Kill signals through a pidfd: never a reused PID, and an
			// exited process is no error worth a word.
			_ = c.Process.Kill()
		}
		// Wait for the handlers (one may sleep in a latency) before the
		// thread, whose id they use, goes.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, s := range h.servers {
			_ = s.Shutdown(ctx)
		}
		h.sb.close()
	})
}

// Env is the environment a claude needs to run offline against the fakes,
// with HOME set to home and PATH as given: the Messages API's address,
// the run's CA, and claude's switches for all traffic but the API's. It
// overrides a NODE_EXTRA_CA_CERTS the machine may set.
func (h *Harness) Env(home, path string) []string {
	return []string{
		"HOME=" + home,
		"PATH=" + path,
		"ANTHROPIC_BASE_URL=" + h.apiURL,
		"NODE_EXTRA_CA_CERTS=" + h.caFile,
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
		"DISABLE_TELEMETRY=1",
		"DISABLE_AUTOUPDATER=1",
		"DISABLE_ERROR_REPORTING=1",
	}
}

// Start starts cmd inside the namespaces; Close kills it if it is still
// running then.
func (h *Harness) Start(cmd *exec.Cmd) error {
	if err := h.sb.start(cmd); err != nil {
		return err
	}
	h.mu.Lock()
	h.procs = append(h.procs, cmd)
	h.mu.Unlock()
	return nil
}

// Run starts cmd inside the namespaces and waits for it.
func (h *Harness) Run(cmd *exec.Cmd) error {
	if err := h.Start(cmd); err != nil {
		return err
	}
	return cmd.Wait()
}

// Forward makes addr, a TCP address on the host's loopback, reachable at
// the same address inside, so that a real server the test runs outside
// (Vault, say) serves the processes inside.
func (h *Harness) Forward(addr string) error {
	l, err := h.sb.listen(addr)
	if err != nil {
		return err
	}
	go func() {
		// Stop accepting when the harness closes.
		<-h.sb.done
		l.Close()
	}()
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer in.Close()
				out, err := net.Dial("tcp", addr)
				if err != nil {
					return
				}
				defer out.Close()
				// Either side done: both are closed, so neither the
				// connection nor this goroutine outlives it.
				go func() { _, _ = io.Copy(out, in); out.Close(); in.Close() }()
				_, _ = io.Copy(in, out)
			}()
		}
	}()
	return nil
}

// Login starts a new grant, as `claude auth login` does, whose access
// token expires at expires, and returns the credentials file's content in
// claude's format (expiresAt in Unix ms).
func (h *Harness) Login(expires time.Time) []byte {
	h.mu.Lock()
	h.family++
	h.families[h.family] = &family{}
	t := h.mint(h.family, expires)
	h.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"claudeAiOauth": map[string]any{
		"accessToken": t.Access, "refreshToken": t.Refresh, "expiresAt": expires.UnixMilli(),
		"scopes": Scopes, "subscriptionType": "max",
	}})
	return b
}

// WriteLogin writes a new login (Login) to dir/.credentials.json, mode
// 0600, making dir 0700 if needed.
func (h *Harness) WriteLogin(dir string, expires time.Time) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ".credentials.json"), h.Login(expires), 0o600)
}

// SetupToken mints a setup token the Messages API accepts, as `claude
// setup-token` does: it never rotates and is never refreshed.
func (h *Harness) SetupToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	tok := "sk-ant-oat01-offline-setup-" + hex.EncodeToString(b[:])
	h.mu.Lock()
	h.setup[tok] = true
	h.mu.Unlock()
	return tok
}

// Requests returns every request so far, in order of completion.
func (h *Harness) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Request(nil), h.log...)
}

// Count is how many requests so far went to path.
func (h *Harness) Count(path string) int {
	n := 0
	for _, r := range h.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

// Kill SIGKILLs pid and waits (up to 5 s) until it is gone, as the OOM
// killer does to a process.
func Kill(pid int) error {
	if pid <= 0 {
		return errors.New("no process to kill")
	}
	if err := unix.Kill(pid, unix.SIGKILL); err != nil {
		return err
	}
	for range 500 {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		// Gone, or a zombie (state Z after the command name).
		if err != nil {
			return nil
		}
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && len(b) > i+2 && b[i+2] == 'Z' {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return errors.New("process still there 5 s after SIGKILL")
}
