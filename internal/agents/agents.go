// Package agents finds this user's running claudes and each one's credential (/proc/PID/environ) as a fingerprint.
package agents

import (
	"bytes"
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/pkg/cgroup/agentcg"
	"github.com/claude-launch/claude-launch/pkg/kernfile"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
)

// Agent is one running claude.
type Agent struct {
	PID           int       `json:"pid"`
	Fingerprint   string    `json:"fingerprint,omitempty"`   // its setup token's, "" on its own login
	Invalid       bool      `json:"invalid_token,omitempty"` // the variable held something that is not a setup token
	TTY           string    `json:"tty,omitempty"`           // its terminal (pts/3), "" for none
	Pane          string    `json:"tmux_pane,omitempty"`     // its tmux pane (%3), "" for none
	Started       time.Time `json:"started"`
	ServerProcess bool      `json:"server_process,omitempty"` // T3 Code's server started it, not as an agent (a proc-PID cgroup)
}

// Credential names what a runs on; current is the fingerprint new agents get.
func (a Agent) Credential(current string) string {
	switch {
	case a.Invalid:
		return "a " + token.EnvVar + " that is no setup token"
	case a.Fingerprint == "":
		return "its own login"
	case a.Fingerprint == current:
		return "the setup token " + a.Fingerprint
	}
	return "an OLD setup token " + a.Fingerprint
}

// List returns the effective uid's claudes (launched, or running claude; not a child of one, as a tool's shell), oldest first.
func List() ([]Agent, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	me, boot := uint32(os.Geteuid()), bootTime()
	found, parent := map[int]Agent{}, map[int]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		dir := filepath.Join("/proc", e.Name())
		var st syscall.Stat_t
		if err != nil || syscall.Stat(dir, &st) != nil || st.Uid != me {
			continue // not a process, or another user's: never read
		}
		environ, err := os.ReadFile(filepath.Join(dir, "environ"))
		vars := strings.Split(string(environ), "\x00")
		lookup := func(name string) string { v, _ := config.LookupEnv(vars, name); return v }
		if err != nil || lookup(config.EnvDepth) == "" && !isClaude(dir) {
			continue
		}
		ps, err := kernfile.ReadStat(pid)
		if err != nil {
			continue
		}
		a := Agent{PID: pid, TTY: ttyName(ps.TTY), Pane: lookup("TMUX_PANE")}
		if v2, _, err := kernfile.Cgroups(pid); err == nil {
			a.ServerProcess = strings.HasPrefix(filepath.Base(v2), agentcg.ProcPrefix)
		}
		if !boot.IsZero() {
			a.Started = boot.Add(time.Duration(ps.Start) * time.Second / 100) // in ticks of USER_HZ, 100 on every Linux that matters
		}
		if v := lookup(token.EnvVar); v != "" {
			if s, err := token.NewSecret(v); err == nil {
				a.Fingerprint = fingerprint.Of(s)
			} else {
				a.Invalid = true
			}
		}
		found[pid], parent[pid] = a, ps.PPID
	}
	var out []Agent
	for pid, a := range found {
		if _, parentIsClaude := found[parent[pid]]; !parentIsClaude {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b Agent) int { return a.Started.Compare(b.Started)*2 + cmp.Compare(a.PID, b.PID) })
	return out, nil
}

// isClaude: the program of process dir is claude, by its argv0 or its executable.
func isClaude(dir string) bool {
	cmd, _ := os.ReadFile(filepath.Join(dir, "cmdline")) // unreadable: argv0 is ""
	argv0, _, _ := bytes.Cut(cmd, []byte{0})
	exe, _ := os.Readlink(filepath.Join(dir, "exe"))
	name := filepath.Base(string(argv0))
	return name == "claude" || name == "claude.exe" || filepath.Base(strings.TrimSuffix(exe, " (deleted)")) == "claude.exe"
}

// ttyName names a terminal by its device number: pts/N, or ttyN for the console.
func ttyName(nr int) string {
	major, minor := (nr>>8)&0xfff, (nr&0xff)|((nr>>12)&0xfff00)
	switch {
	case nr == 0:
		return ""
	case major >= 136 && major <= 143:
		return "pts/" + strconv.Itoa((major-136)*256+minor)
	case major == 4 && minor < 64:
		return "tty" + strconv.Itoa(minor)
	}
	return strconv.Itoa(major) + ":" + strconv.Itoa(minor)
}

// bootTime is when the machine booted, from /proc/stat.
func bootTime() time.Time {
	b, _ := os.ReadFile("/proc/stat") // "btime N" is never its first line
	_, v, ok := strings.Cut(string(b), "\nbtime ")
	v, _, _ = strings.Cut(v, "\n")
	if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); ok && err == nil {
		return time.Unix(n, 0)
	}
	return time.Time{}
}
