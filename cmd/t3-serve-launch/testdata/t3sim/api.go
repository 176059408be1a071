package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// api answers the Messages API on ADDR for the real claude in the guest,
// as internal/testenv/offline does on the build machine: every POST
// /v1/messages gets a minimal streamed answer, "ok". For each it prints
// whether the bearer was the setup token the guest wrote ($SETUP_TOKEN;
// never the value) and the cgroup of the process that asked, found by its
// socket, as RESULT $API_NAME.N.bearer and .cgroup.
func api(args []string) {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: t3sim api ADDR")
		os.Exit(2)
	}
	var mu sync.Mutex
	n := 0
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		bearer := "other"
		if tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); tok != "" && tok == os.Getenv("SETUP_TOKEN") {
			bearer = "setup"
		}
		name := os.Getenv("API_NAME")
		result(name, strconv.Itoa(i)+".bearer", bearer)
		if pid := peer(r.RemoteAddr); pid > 0 {
			result(name, strconv.Itoa(i)+".cgroup", cgroupName(ownCgroup(strconv.Itoa(pid))))
		}
		w.Header().Set("Content-Type", "text/event-stream")
		ev := func(typ string, data any) {
			b, _ := json.Marshal(data)
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", typ, b)
		}
		ev("message_start", map[string]any{"type": "message_start", "message": map[string]any{
			"id": "msg_guest", "type": "message", "role": "assistant", "model": "claude-guest", "content": []any{},
			"stop_reason": nil, "stop_sequence": nil, "usage": map[string]int{"input_tokens": 1, "output_tokens": 1}}})
		ev("content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": map[string]any{"type": "text", "text": ""}})
		ev("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": "ok"}})
		ev("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
		ev("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": "end_turn", "stop_sequence": nil}, "usage": map[string]int{"output_tokens": 1}})
		ev("message_stop", map[string]any{"type": "message_stop"})
	})
	if err := http.ListenAndServe(args[0], nil); err != nil {
		fmt.Fprintln(os.Stderr, "t3sim api:", err)
		os.Exit(1)
	}
}

// cgroupName is a cgroup's path below its unit: agents/agent-PID, say.
func cgroupName(cg string) string {
	if i := strings.Index(cg, "/agents/"); i >= 0 {
		return cg[i+1:]
	}
	return filepath.Base(cg)
}

// peer is the PID of the process on the other end of a loopback
// connection whose client address is remote: the socket's inode from
// /proc/net/tcp, then the process holding it.
func peer(remote string) int {
	_, port, err := net.SplitHostPort(remote)
	if err != nil {
		return 0
	}
	p, _ := strconv.Atoi(port)
	want := fmt.Sprintf(":%04X", p)
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return 0
	}
	defer f.Close()
	inode := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 9 && strings.HasSuffix(fields[1], want) {
			inode = fields[9]
		}
	}
	if inode == "" {
		return 0
	}
	link := "socket:[" + inode + "]"
	procs, _ := os.ReadDir("/proc")
	for _, d := range procs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		fds, _ := os.ReadDir("/proc/" + d.Name() + "/fd")
		for _, fd := range fds {
			if l, _ := os.Readlink("/proc/" + d.Name() + "/fd/" + fd.Name()); l == link {
				return pid
			}
		}
	}
	return 0
}
