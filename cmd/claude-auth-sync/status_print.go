package main

import (
	"cmp"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/claude-launch/claude-launch/internal/agents"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/vault"
	"github.com/claude-launch/claude-launch/pkg/cgroup/memsize"
)

// printStatus writes the status for a person: the verdict, what to act on, then what was found.
func printStatus(w io.Writer, st Status) {
	var b strings.Builder
	b.WriteString(map[bool]string{true: "healthy\n", false: "NOT healthy\n"}[st.Healthy])
	for _, p := range st.Problems {
		b.WriteString("problem: " + p + "\n")
	}
	for _, p := range st.Warnings {
		b.WriteString("warning: " + p + "\n")
	}
	b.WriteString("\n")
	line := func(k, v string) { b.WriteString("  " + k + strings.Repeat(" ", max(1, 17-len(k))) + v + "\n") }
	switch st.Mode {
	case ModeSetupToken:
		line("next claude uses", "the setup token, fingerprint "+st.EnvFile.Fingerprint)
	case ModeDisabled:
		line("next claude uses", "its own login (the launcher is off)")
	default:
		line("next claude uses", "its own rotating login")
	}
	ef := st.EnvFile.Path
	if st.EnvFile.Present {
		ef += ": " + st.EnvFile.Owner + ", mode " + st.EnvFile.Mode + ", written " + ago(st.EnvFile.ModifiedAt)
	} else {
		ef += ": none"
	}
	line("env file", ef)
	if st.Token != nil {
		exp := "unknown"
		if st.DaysLeft != nil {
			exp = st.Token.ExpiresAt.Format(time.DateOnly) + ", in " + strconv.Itoa(*st.DaysLeft) + " days (from " + st.Token.ExpirySource + ")"
		}
		line("expires", exp)
	}
	switch {
	case !st.Vault.SetUp:
		line("vault", "not set up (no VAULT_TOKEN, no ~/.vault-token)")
	case st.Vault.Error != "":
		line("vault", st.Vault.Error)
	case st.Vault.HasToken:
		line("vault", st.Vault.Addr+" answered: "+st.Vault.Path+" holds fingerprint "+st.Vault.Fingerprint)
	default:
		line("vault", st.Vault.Addr+" answered: no setup token at "+st.Vault.Path)
	}
	if t := st.Vault.Token; t != nil {
		line("vault token", vaultTokenLine(*t))
	}
	if st.Login.Checked {
		line("rotating login", st.Login.File+": "+st.Login.Detail)
	} else {
		line("rotating login", "not checked: the setup token is in use")
	}
	c := st.Claude.Version
	if st.Claude.Path != "" {
		c += " at " + st.Claude.Path
	}
	switch {
	case st.Claude.AuthMethod != "":
		c += "; through claude-launch it uses " + st.Claude.AuthMethod
	case st.Mode != ModeSetupToken:
		c += "; not asked for its login (asking could refresh the rotating login; its file is judged above)"
	}
	if st.Claude.Error != "" {
		c = st.Claude.Error
	}
	line("claude", c)
	line("overrides", cmp.Or(strings.Join(st.Overrides, ", "), "none"))
	var procs []string
	for _, a := range st.Agents {
		if a.ServerProcess {
			procs = append(procs, strconv.Itoa(a.PID))
		}
	}
	line("running agents", strconv.Itoa(len(st.Agents)-len(procs)))
	for _, a := range st.Agents {
		if a.ServerProcess {
			continue
		}
		b.WriteString("    " + agentLine(a, st.EnvFile.Fingerprint) + "\n")
	}
	if len(procs) > 0 {
		line("server processes", "pid "+strings.Join(procs, ", ")+": started by T3 Code's server, not agents")
	}
	line("OOM kills, 1 day", strconv.Itoa(len(st.Kills)))
	for _, k := range st.Kills {
		b.WriteString("    " + k.Time.Local().Format("15:04:05") + " " + ago(k.Time) + ": " + k.Kind + " " + k.Comm + ", cap " +
			memsize.Format(k.Max) + " (" + filepath.Base(k.Cgroup) + ")\n")
	}
	if st.Mode == ModeSetupToken {
		b.WriteString("\n  A setup token is for inference only: claude's usage view (/usage), Remote\n" +
			"  Control and claude.ai connectors need a full login; their absence is not a fault.\n")
	}
	_, _ = io.WriteString(w, b.String())
}

// agentLine says where agent a runs, since when, and on what (current: the token in use).
func agentLine(a agents.Agent, current string) string {
	where := a.TTY
	if a.Pane != "" {
		where += " tmux pane " + a.Pane
	}
	return "pid " + strconv.Itoa(a.PID) + "  " + strings.TrimSpace(where) + "  started " + ago(a.Started) + ": " + a.Credential(current)
}

// vaultTokenLine says how long the user's Vault token lasts.
func vaultTokenLine(t vault.TokenInfo) string {
	switch {
	case t.Expires.IsZero():
		return "never expires"
	case t.Short:
		return left(t.Expires) + " left, renewable, but its TTL is too short for the hourly timer: ask for over " + config.FormatDuration(2*vault.TimerGap)
	case t.Periodic:
		return "periodic, " + left(t.Expires) + " left; the timer's sync renews it for ever"
	case t.Renewable:
		return left(t.Expires) + " left, renewable: the timer's sync renews it at half its TTL, up to its max TTL"
	}
	return left(t.Expires) + " left, not renewable: log in again (`vault login`) before it ends"
}

// left says roughly how long until t.
func left(t time.Time) string {
	d := time.Until(t)
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + " s"
	case d < 2*time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min"
	case d < 72*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h"
	}
	return strconv.Itoa(int(d.Hours()/24)) + " days"
}

// ago says how long ago t was, roughly.
func ago(t time.Time) string {
	if t.IsZero() {
		return "at an unknown time"
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h ago"
	}
	return strconv.Itoa(int(d.Hours()/24)) + " days ago"
}
