package offline

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Reply is what the Messages API answers a call with: text, or a call of
// one tool with its input.
type Reply struct {
	Text      string
	Tool      string
	ToolInput map[string]any
}

// authorized says whether a bearer token may call the API: a setup token
// of the harness's, or an access token it issued and that has not expired.
func (h *Harness) authorized(tok string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.setup[tok] {
		return true
	}
	exp, ok := h.access[tok]
	return ok && time.Now().Before(exp)
}

// messages is POST /v1/messages: a minimal streamed answer.
func (h *Harness) messages(w http.ResponseWriter, r *http.Request, req *Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !h.authorized(tok) {
		req.Answer = "401"
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"type":"error","error":{"type":"authentication_error","message":"invalid bearer token"}}`)
		return
	}
	var body struct {
		Messages []json.RawMessage `json:"messages"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&body); err != nil {
		req.Answer = "400"
		http.Error(w, `{"type":"error","error":{"type":"invalid_request_error","message":"the body is not a Messages API request of at most 8 MiB"}}`, http.StatusBadRequest)
		return
	}
	reply := Reply{Text: "ok"}
	if h.opts.Reply != nil {
		reply = h.opts.Reply(len(body.Messages))
	}
	req.Answer = "200"
	w.Header().Set("Content-Type", "text/event-stream")
	ev := func(typ string, data any) {
		b, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", typ, b)
	}
	ev("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": "msg_offline", "type": "message", "role": "assistant", "model": "claude-offline", "content": []any{},
		"stop_reason": nil, "stop_sequence": nil, "usage": map[string]int{"input_tokens": 1, "output_tokens": 1}}})
	stop := "end_turn"
	if reply.Tool != "" {
		stop = "tool_use"
		in, _ := json.Marshal(reply.ToolInput)
		ev("content_block_start", map[string]any{"type": "content_block_start", "index": 0,
			"content_block": map[string]any{"type": "tool_use", "id": "toolu_offline", "name": reply.Tool, "input": map[string]any{}}})
		ev("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "input_json_delta", "partial_json": string(in)}})
	} else {
		ev("content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": map[string]any{"type": "text", "text": ""}})
		ev("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": reply.Text}})
	}
	ev("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	ev("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": stop, "stop_sequence": nil}, "usage": map[string]int{"output_tokens": 1}})
	ev("message_stop", map[string]any{"type": "message_stop"})
}

// profile is GET /api/oauth/profile, which a stored login asks.
func (h *Harness) profile(w http.ResponseWriter, r *http.Request, req *Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !h.authorized(tok) {
		req.Answer = "401"
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	req.Answer = "200"
	writeJSON(w, map[string]any{
		"account":      map[string]any{"uuid": "00000000-0000-0000-0000-000000000001", "email": "agent@example.com", "display_name": "offline"},
		"organization": map[string]any{"uuid": "00000000-0000-0000-0000-000000000002", "organization_type": "claude_max", "rate_limit_tier": "default_claude_max_20x"},
	})
}
