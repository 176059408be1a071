package offline

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Policy is what the token endpoint does with a refresh token presented
// again after it was rotated away.
type Policy string

const (
	// Reject answers 400 invalid_grant to the late caller; the winner's
	// new tokens live on.
	Reject Policy = "reject"
	// RevokeFamily answers 400 invalid_grant and revokes the whole grant
	// (RFC 9700 §4.14.2; Okta, Auth0): the user must log in again.
	RevokeFamily Policy = "revoke-family"
)

// Scopes are those a claude.ai login holds.
var Scopes = []string{"user:inference", "user:profile", "user:sessions:claude_code"}

type family struct{ revoked bool }

type refreshToken struct {
	family    int
	used      time.Time // zero while current
	successor tokenAnswer
}

// tokenAnswer is the token endpoint's answer, as claude reads it.
type tokenAnswer struct {
	Access    string `json:"access_token"`
	Refresh   string `json:"refresh_token"`
	ExpiresIn int64  `json:"expires_in"`
	Scope     string `json:"scope"`
	TokenType string `json:"token_type"`
}

// mint issues a new pair in family f, its access token valid until
// expires; h.mu is held.
func (h *Harness) mint(f int, expires time.Time) tokenAnswer {
	h.serial++
	id := "F" + strconv.Itoa(f) + "-" + strconv.Itoa(h.serial)
	t := tokenAnswer{
		Access:    "sk-ant-oat01-offline-" + id,
		Refresh:   "sk-ant-ort01-offline-" + id,
		ExpiresIn: int64(time.Until(expires).Seconds()),
		Scope:     strings.Join(Scopes, " "),
		TokenType: "Bearer",
	}
	h.access[t.Access] = expires
	h.refresh[t.Refresh] = &refreshToken{family: f}
	return t
}

// short names a token of the harness's in the log: its family and serial
// ("F1-3"), "setup" for a setup token, "" for none, "other" for a token
// the harness did not issue; never the token itself.
func (h *Harness) short(tok string) string {
	switch {
	case tok == "":
		return ""
	case h.setup[tok]:
		return "setup"
	}
	for _, p := range []string{"sk-ant-oat01-offline-", "sk-ant-ort01-offline-"} {
		if id, ok := strings.CutPrefix(tok, p); ok && !strings.HasPrefix(id, "setup") {
			return id
		}
	}
	return "other"
}

// token is POST /v1/oauth/token: refresh-token rotation.
func (h *Harness) token(w http.ResponseWriter, r *http.Request, req *Request) {
	var body struct {
		GrantType    string `json:"grant_type"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil || body.GrantType != "refresh_token" {
		req.Answer = "invalid_request"
		oauthError(w, "invalid_request")
		return
	}
	h.mu.Lock()
	req.Refresh = h.short(body.RefreshToken)
	h.mu.Unlock()
	time.Sleep(h.opts.LatencyBefore)
	if h.hook(BeforeRotation, r, req) {
		return
	}

	h.mu.Lock()
	rt, ok := h.refresh[body.RefreshToken]
	switch {
	case !ok || h.families[rt.family].revoked:
		h.mu.Unlock()
		req.Answer = "invalid_grant"
		oauthError(w, "invalid_grant")
		return
	case !rt.used.IsZero() && h.opts.Grace > 0 && time.Since(rt.used) <= h.opts.Grace:
		answer := rt.successor
		h.mu.Unlock()
		req.Answer = "reuse-window"
		writeJSON(w, answer)
		return
	case !rt.used.IsZero():
		if h.opts.Policy == RevokeFamily {
			h.families[rt.family].revoked = true
			req.Answer = "invalid_grant, family revoked"
		} else {
			req.Answer = "invalid_grant"
		}
		h.mu.Unlock()
		oauthError(w, "invalid_grant")
		return
	}
	rt.used = time.Now()
	rt.successor = h.mint(rt.family, time.Now().Add(h.opts.Lifetime))
	answer := rt.successor
	h.mu.Unlock()
	req.Answer = "rotated to " + h.short(answer.Refresh)

	// The server has rotated: from here on the old refresh token is dead.
	time.Sleep(h.opts.LatencyAfter)
	if h.hook(AfterRotation, r, req) {
		return
	}
	writeJSON(w, answer)
}

// hook calls Options.Hook, if any, with the asking client's PID, and says
// whether it killed the client.
func (h *Harness) hook(at Moment, r *http.Request, req *Request) bool {
	if h.opts.Hook == nil {
		return false
	}
	pid, err := peerPID(h.sb.tid, r.RemoteAddr)
	if err == nil {
		req.PeerPID = pid
	}
	if !h.opts.Hook(at, pid) {
		return false
	}
	if req.Answer == "" {
		req.Answer = "none"
	}
	req.Answer += ", client killed " + string(at)
	return true
}

func oauthError(w http.ResponseWriter, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": "the refresh token is not valid"})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
