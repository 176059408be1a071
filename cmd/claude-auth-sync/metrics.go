package main

import (
	"cmp"
	"fmt"
	"time"

	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/version"
	"github.com/prometheus/client_golang/prometheus"
)

// Auth modes, the metrics' mode label and status's mode.
const (
	ModeSetupToken = "setup_token"
	ModeLogin      = "login"
	ModeDisabled   = "disabled" // status only: the kill switch is on
)

// authReport is what one sync learned, for the metrics.
type authReport struct {
	mode          string
	valid         bool
	state         store.State
	claudeVersion string
	token         *tokenReport // nil when Vault was not asked
}

// writeMetrics writes the metrics for node_exporter's textfile collector to path, atomically,
// from a registry of its own (no Go runtime metrics); names follow Prometheus' conventions.
func writeMetrics(path string, r authReport) error {
	reg := prometheus.NewRegistry()
	gauge := func(name, help string, v float64) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
		g.Set(v)
		reg.MustRegister(g)
	}
	counter := func(name, help string, v uint64) {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
		c.Add(float64(v))
		reg.MustRegister(c)
	}
	labelled := func(name, help string, v float64, labels []string, values ...string) {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
		g.WithLabelValues(values...).Set(v)
		reg.MustRegister(g)
	}
	labelled("claude_auth_valid", "1 when the next claude has a usable credential: the setup token, or a healthy rotating login; mode says which.",
		b2f(r.valid), []string{"mode"}, r.mode)
	gauge("claude_auth_setup_token_present", "1 when the env file holds a setup token that every new claude uses.", b2f(r.mode == ModeSetupToken))
	if t := r.state.Token; t != nil && !t.ExpiresAt.IsZero() {
		gauge("claude_auth_setup_token_expiry_timestamp_seconds", "When the setup token expires (Unix time).", unixSeconds(t.ExpiresAt))
	}
	if !r.state.LastSuccess.IsZero() {
		gauge("claude_auth_last_success_timestamp_seconds", "When a sync last ended well (Unix time).", unixSeconds(r.state.LastSuccess))
	}
	if t := r.token; t != nil {
		gauge("claude_auth_vault_token_valid", "1 when Vault knows the user's Vault token; 0 when not (expired, revoked, never issued).", b2f(!t.dead))
		if !t.info.Expires.IsZero() {
			gauge("claude_auth_vault_token_expiry_timestamp_seconds", "When the user's Vault token ends unless renewed (Unix time).",
				unixSeconds(t.info.Expires))
		}
		if !t.info.Ends.IsZero() {
			gauge("claude_auth_vault_token_end_timestamp_seconds", "When the user's Vault token ends whatever the timer does (Unix time).",
				unixSeconds(t.info.Ends))
		}
	}
	counter("claude_auth_sync_failures_total", "Syncs that failed (Vault did not answer as Vault, the guard could not run, …).", r.state.SyncFailures)
	counter("claude_auth_restores_total", "Damaged rotating logins put back from a backup.", r.state.Restores)
	labelled("claude_auth_info", "The installed claude's version and claude-auth-sync's; always 1.",
		1, []string{"claude_version", "version"}, cmp.Or(r.claudeVersion, "unknown"), version.String())
	if err := prometheus.WriteToTextfile(path, reg); err != nil {
		return fmt.Errorf("write metrics: %w; check CLAUDE_LAUNCH_METRICS_FILE: its directory must exist and be writable by you", err)
	}
	return nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
