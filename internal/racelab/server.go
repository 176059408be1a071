package racelab

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Policy is what the token endpoint does with a refresh token presented
// again after it was rotated away.
type Policy string

const (
	// Reject answers 400 invalid_grant to the late caller; the family
	// (the winner's new tokens) lives on.
	Reject Policy = "reject"
	// RevokeFamily answers 400 invalid_grant and revokes the whole grant
	// (RFC 9700 §4.14.2; Okta, Auth0): every refresh token of the login
	// is dead, and the user must log in again.
	RevokeFamily Policy = "revoke-family"
)

// Server is a token endpoint on 127.0.0.1 that rotates as an OAuth server
// with refresh-token rotation does, and serves "inference" to a valid
// access token or to the long-lived setup token.
type Server struct {
	Policy   Policy
	Lifetime time.Duration // of an access token
	// Grace, when set, is a reuse window: a refresh token presented again
	// within it of its rotation gets the tokens its rotation issued
	// (Auth0's reuse interval, Cognito's grace period).
	Grace time.Duration
	// Latency is how long a refresh takes to answer, as a real token
	// endpoint's round trip does: the window of the race.
	Latency time.Duration
	Setup   string // the setup token, never rotated
	// LoggedOut is called when a client reports that it lost the login
	// of family f: nothing it holds or finds in the file refreshes.
	LoggedOut func(f int)

	mu       sync.Mutex
	family   int
	families map[int]*family
	access   map[string]accessToken
	refresh  map[string]*refreshToken
	serial   int
	stats    ServerStats
	listener net.Listener
	srv      *http.Server
}

// ServerStats counts what the endpoint saw.
type ServerStats struct {
	Refreshes    int `json:"refreshes"`    // rotations that succeeded
	Rejected     int `json:"rejected"`     // invalid_grant answers
	Revocations  int `json:"revocations"`  // families revoked for reuse
	GraceReuses  int `json:"grace_reuses"` // reuses inside the grace window
	Inference    int `json:"inference"`    // inference calls answered 200
	Unauthorized int `json:"unauthorized"` // inference calls answered 401
}

type family struct {
	revoked bool
}

type accessToken struct {
	family  int
	expires time.Time
}

type refreshToken struct {
	family    int
	used      time.Time // zero while current
	successor Tokens    // what its rotation issued
}

// Tokens are an access token, its expiry and the refresh token to rotate.
type Tokens struct {
	Access    string `json:"access_token"`
	Refresh   string `json:"refresh_token"`
	ExpiresIn int64  `json:"expires_in_ms"`
}

// Start listens on 127.0.0.1 and serves until Close.
func (s *Server) Start() (string, error) {
	s.families = map[int]*family{}
	s.access = map[string]accessToken{}
	s.refresh = map[string]*refreshToken{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	s.listener = l
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/oauth/token", s.token)
	mux.HandleFunc("POST /v1/messages", s.inference)
	mux.HandleFunc("POST /lab/logout", func(w http.ResponseWriter, r *http.Request) {
		f, err := strconv.Atoi(r.URL.Query().Get("family"))
		if err != nil {
			http.Error(w, "family", http.StatusBadRequest)
			return
		}
		if s.LoggedOut != nil {
			s.LoggedOut(f)
		}
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(l) }()
	return "http://" + l.Addr().String(), nil
}

// Close stops the endpoint.
func (s *Server) Close() { _ = s.srv.Close() }

// Stats returns the counts so far.
func (s *Server) Stats() ServerStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Login starts a new grant, as `claude /login` does, and returns its
// tokens and family number.
func (s *Server) Login() (Tokens, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.family++
	s.families[s.family] = &family{}
	return s.issue(s.family), s.family
}

// issue mints a new pair in family f; s.mu is held.
func (s *Server) issue(f int) Tokens {
	s.serial++
	t := Tokens{
		Access:    fmt.Sprintf("sk-ant-oat01-lab-F%d-%d", f, s.serial),
		Refresh:   fmt.Sprintf("sk-ant-ort01-lab-F%d-%d", f, s.serial),
		ExpiresIn: s.Lifetime.Milliseconds(),
	}
	s.access[t.Access] = accessToken{family: f, expires: time.Now().Add(s.Lifetime)}
	s.refresh[t.Refresh] = &refreshToken{family: f}
	return t
}

// FamilyOf is the family a lab token belongs to, 0 for none.
func FamilyOf(tok string) int {
	i := strings.Index(tok, "-lab-F")
	if i < 0 {
		return 0
	}
	rest := tok[i+len("-lab-F"):]
	if j := strings.IndexByte(rest, '-'); j >= 0 {
		rest = rest[:j]
	}
	n, _ := strconv.Atoi(rest)
	return n
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "refresh_token" {
		oauthError(w, "invalid_request")
		return
	}
	time.Sleep(s.Latency)
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[r.PostForm.Get("refresh_token")]
	switch {
	case !ok || s.families[rt.family].revoked:
		s.stats.Rejected++
		oauthError(w, "invalid_grant")
		return
	case !rt.used.IsZero() && s.Grace > 0 && time.Since(rt.used) <= s.Grace:
		s.stats.GraceReuses++
		writeJSON(w, rt.successor)
		return
	case !rt.used.IsZero():
		s.stats.Rejected++
		if s.Policy == RevokeFamily {
			s.families[rt.family].revoked = true
			s.stats.Revocations++
		}
		oauthError(w, "invalid_grant")
		return
	}
	rt.used = time.Now()
	rt.successor = s.issue(rt.family)
	s.stats.Refreshes++
	writeJSON(w, rt.successor)
}

func (s *Server) inference(w http.ResponseWriter, r *http.Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	defer s.mu.Unlock()
	if tok != "" && tok == s.Setup {
		s.stats.Inference++
		w.WriteHeader(http.StatusOK)
		return
	}
	// An access token lives until it expires, as a signed token does,
	// even when its family's refresh tokens were revoked.
	if a, ok := s.access[tok]; ok && time.Now().Before(a.expires) {
		s.stats.Inference++
		w.WriteHeader(http.StatusOK)
		return
	}
	s.stats.Unauthorized++
	w.WriteHeader(http.StatusUnauthorized)
}

func oauthError(w http.ResponseWriter, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
