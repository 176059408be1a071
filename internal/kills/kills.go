// Package kills records the OOM kills in our cgroups: a line in the user's state directory, and counters for node_exporter.
package kills

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/pkg/cgroup/agentcg"
	"github.com/prometheus/client_golang/prometheus"
)

// Kinds of cgroup a kill is in.
const (
	Agent   = "agent"   // an agent of the server (agents/agent-PID)
	Process = "process" // another process of the server (agents/proc-PID)
	Pane    = "pane"    // a pane of claude-agents (its scope)
)

// File is the record's name in the state directory: one JSON line a kill.
const File = "oom-kills.jsonl"

// Kill is one OOM kill.
type Kill struct {
	Time   time.Time `json:"time"`
	Kind   string    `json:"kind"`
	Comm   string    `json:"comm,omitempty"` // the command name, where known
	Cgroup string    `json:"cgroup"`
	Max    uint64    `json:"memory_max,omitempty"` // the cgroup's cap
}

// KindOf is the kind of a cgroup of the server's, by its name.
func KindOf(cgroup string) string {
	if strings.HasPrefix(filepath.Base(cgroup), agentcg.ProcPrefix) {
		return Process
	}
	return Agent
}

// MetricsFile is where the counters go: beside sync's metrics file, one file a user; "" without one.
func MetricsFile(syncMetrics string) string {
	if syncMetrics == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(syncMetrics), "claude-oom-kills-"+strconv.Itoa(os.Getuid())+".prom")
}

// Record appends k to the record in stateDir ("": none) and, when metrics is not "", rewrites the counters
// there from the whole record (never trimmed: a counter never goes down). A lock keeps writers in order.
func Record(stateDir, metrics string, k Kill) (err error) {
	if stateDir == "" {
		return nil
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("record an OOM kill: %w", err)
		}
	}()
	if err := store.EnsureDir(stateDir, store.StateHint); err != nil {
		return err
	}
	f, err := open(filepath.Join(stateDir, File), os.O_WRONLY|os.O_APPEND|os.O_CREATE)
	if err != nil {
		return err
	}
	defer f.Close()
	b, _ := json.Marshal(k)
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return err
	} else if _, err := f.Write(append(b, '\n')); err != nil || metrics == "" {
		return err
	}
	all, err := Since(stateDir, time.Time{})
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	total := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "claude_oom_kills_total",
		Help: "OOM kills in a cgroup of claude-launch's: kind is agent, process (another of the server's) or pane."}, []string{"kind", "comm", "uid"})
	reg.MustRegister(total)
	for _, k := range all {
		total.WithLabelValues(k.Kind, k.Comm, strconv.Itoa(os.Getuid())).Inc()
	}
	return prometheus.WriteToTextfile(metrics, reg)
}

// Since returns the kills recorded in stateDir at t or later, oldest first; none without a record.
func Since(stateDir string, t time.Time) ([]Kill, error) {
	if stateDir == "" {
		return nil, nil
	}
	f, err := open(filepath.Join(stateDir, File), os.O_RDONLY)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read the OOM kills: %w", err)
	}
	defer f.Close()
	var out []Kill
	s := bufio.NewScanner(f)
	for s.Scan() {
		var k Kill
		if json.Unmarshal(s.Bytes(), &k) == nil && !k.Time.Before(t) {
			out = append(out, k)
		}
	}
	if err := s.Err(); err != nil { // a line past 64 KiB is not ours: say so, never count short
		return nil, fmt.Errorf("read the OOM kills in %s: %w", f.Name(), err)
	}
	return out, nil
}

// open opens the record without blocking (a named pipe would hang status and the watcher), only as a regular file.
func open(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file: remove it", path)
	}
	return f, nil
}
