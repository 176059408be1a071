package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/log"
	"github.com/claude-launch/claude-launch/internal/agents"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/creds"
	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/vault"
	"github.com/claude-launch/claude-launch/internal/version"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

var errReported = errors.New("reported") // already logged: main only sets the exit code

// SyncCmd makes the env file match Vault and guards the rotating login.
type SyncCmd struct {
	OnMiss   bool  `name:"on-miss" help:"Only if the env file is still missing and no recent look-up found none (what claude-launch runs on a miss)."`
	Deadline int64 `name:"deadline-unix-ms" hidden:"" help:"Give up at this time (Unix milliseconds): the launcher's own bound."`
}

// tokenEnding says when a Vault token no renewal will carry on ends, why, and what to do.
func tokenEnding(i vault.TokenInfo) string {
	why := "reaches its max TTL then"
	switch {
	case i.Capped:
		why = "has reached its max TTL"
	case !i.Renewable:
		why = "is not renewable"
	case i.Short:
		why = "its TTL (" + config.FormatDuration(i.CreationTTL) + ") is too short for the hourly timer to renew it (ask for over " +
			config.FormatDuration(2*vault.TimerGap) + ")"
	}
	return "your Vault token ends " + i.Ends.Local().Format("2006-01-02 15:04") + " and " + why +
		": log in again (`vault login`) before then, or every sync stops"
}

// Run syncs the env file from Vault, guards the rotating login when no setup token is in use, then writes the metrics; --on-miss only fetches.
func (s *SyncCmd) Run(cfg *config.Config, logger *log.Logger) error {
	if cfg.Disabled {
		logger.Info("disabled; nothing to do", "var", config.EnvDisable)
		return nil
	}
	deadline := time.Now().Add(cfg.VaultTimeout)
	if s.Deadline > 0 {
		deadline = time.UnixMilli(s.Deadline)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if s.OnMiss {
		return onMiss(ctx, cfg, logger)
	}
	res, synced, vaultToken, syncErr := fetch(ctx, cfg, logger)
	if syncErr != nil {
		logger.Error("sync: " + syncErr.Error() + "; the env file was left as it was")
	}
	r := authReport{mode: ModeLogin, vaultToken: vaultToken, vaultDead: errors.Is(syncErr, vault.ErrTokenDead)} // what the next claude uses
	if tok, err := token.ReadEnvFile(cfg.EnvFile, config.SyncCommand); err == nil {
		r.mode, r.valid = ModeSetupToken, true
		logger.Debug("setup token in use; the rotating login is left alone", "fingerprint", fingerprint.Of(tok))
	}
	var guardErr error
	restored, broken := false, false
	if r.mode == ModeLogin {
		var state creds.State
		state, restored, guardErr = s.guard(cfg, logger)
		r.valid, broken = state.Healthy(), state == creds.Damaged
	}
	warn, err := updateState(cfg, func(st *store.State) error {
		if syncErr != nil || guardErr != nil {
			st.SyncFailures++
		} else {
			st.LastSuccess = time.Now()
		}
		if restored {
			st.Restores++
		}
		switch {
		case res.Action == store.ActionWritten || res.Action == store.ActionUnchanged:
			st.Token = synced
		case r.mode == ModeLogin:
			st.Token = nil
		}
		r.state = *st
		return nil
	})
	if warn != nil {
		logger.Warn(warn.Error())
	}
	if err != nil {
		logger.Error(err.Error())
	}
	if cfg.MetricsFile != "" {
		if merr := writeMetrics(cfg, r); merr != nil {
			logger.Error(merr.Error())
			err = merr
		}
	}
	// A damaged login nothing could mend fails the run, uncounted (the alert is on claude_auth_valid).
	if syncErr != nil || guardErr != nil || err != nil || broken {
		return errReported
	}
	return nil
}

// fetch syncs the env file from Vault, prints what it did, and returns what it learned of the Vault token (nil: not asked).
func fetch(ctx context.Context, cfg *config.Config, logger *log.Logger) (res store.SyncResult, ts *store.TokenState, vt *vault.TokenInfo, err error) {
	client, err := vault.New(cfg, os.Getenv)
	if errors.Is(err, token.ErrNoVaultToken) {
		logger.Info("no Vault token; nothing to fetch", "hint", "set VAULT_TOKEN or run `vault login`")
		return res, ts, nil, nil
	}
	if err != nil {
		return res, ts, nil, err
	}
	logger.Debug("looking up", "vault", client.Addr(), "path", client.SecretPath(), "field", cfg.VaultField)
	res, ts, err = syncFrom(ctx, cfg, client, false)
	switch {
	case errors.Is(err, vault.ErrTokenDead):
		return res, ts, &vault.TokenInfo{}, err
	case err != nil && ctx.Err() != nil: // Vault did not answer in time: it will not now
		return res, ts, nil, err
	}
	// Then keep the Vault token alive, under the client's own bound: only the read says if it works, so a failed renewal is only said.
	info, terr := client.Token(context.Background(), true)
	switch {
	case terr == nil || !info.Expires.IsZero(): // looked up, maybe not renewed
		vt = &info
	case err == nil:
		vt = &vault.TokenInfo{} // it works; how long for is not known
	}
	if terr == nil && info.Renewed {
		logger.Info("renewed the Vault token", "ttl", info.TTL.Round(time.Second).String(), "capped", info.Capped)
	}
	if terr == nil && info.Ending(time.Now()) {
		logger.Warn(tokenEnding(info))
	}
	if err != nil {
		return res, ts, vt, err
	}
	if terr != nil {
		logger.Warn(terr.Error())
	}
	logger.Info("synced", "action", res.Action, "env_file", cfg.EnvFile, "fingerprint", fingerprint.Of(res.Token))
	os.Stdout.WriteString(cfg.EnvFile + ": " + string(res.Action) + " (fingerprint " + fingerprint.Of(res.Token) + ")\n")
	return res, ts, vt, nil
}

// syncFrom syncs the env file from client's answer, and returns what the state file records of the token.
func syncFrom(ctx context.Context, cfg *config.Config, client *vault.Client, onMiss bool) (store.SyncResult, *store.TokenState, error) {
	var found vault.Found
	res, err := store.Sync(ctx, cfg, func(ctx context.Context) (_ token.Secret, err error) {
		found, err = client.Fetch(ctx)
		return found.Token, err
	}, onMiss)
	ts := &store.TokenState{Fingerprint: fingerprint.Of(res.Token), SecretVersion: found.Version, FetchedAt: time.Now().UTC()}
	ts.ExpiresAt, ts.ExpirySource = found.Expiry()
	return res, ts, err
}

// guard looks after the rotating login and says its state on stdout; a restore is said on stderr too.
func (s *SyncCmd) guard(cfg *config.Config, logger *log.Logger) (state creds.State, restored bool, err error) {
	var rep creds.Report
	if cfg.ClaudeConfigDir == "" { // main has refused an empty StateDir
		err = errors.New("no home directory: cannot find claude's login (set HOME or CLAUDE_CONFIG_DIR)")
	} else if err = store.CheckDir(cfg.StateDir, store.StateHint); err == nil || errors.Is(err, fs.ErrNotExist) { // no backup in a refused dir
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second) // for claude's refresh lock; the next sync tries again
		defer cancel()
		rep, err = guardOf(cfg).Run(ctx)
	}
	if err != nil {
		logger.Error(err.Error())
		return creds.Damaged, false, err
	}
	if rep.ClearedLock != "" {
		logger.Warn("cleared claude's refresh lock, left by a process that is gone", "lock", rep.ClearedLock)
	}
	line, damage := rep.File+": "+rep.Verdict.String(), strings.Join(rep.Verdict.Damage, ", ")
	state = rep.Verdict.State
	switch {
	case rep.Restored != "":
		logger.Warn("the rotating login was damaged ("+damage+"); restored it from a backup", "backup", rep.Restored, "now", rep.After.String())
		line += "; restored from " + rep.Restored + ": " + rep.After.String()
		state = rep.After.State
	case rep.NoBackup:
		logger.Error("the rotating login is damaged (" + damage +
			") and no backup is healthy: log in again (`claude auth login`), or opt in to a setup token (`claude-auth-sync enable`)")
		line += "; no healthy backup to restore"
	case rep.BackedUp != "":
		line += "; backed up"
	}
	os.Stdout.WriteString(line + "\n")
	return state, rep.Restored != "", nil
}

func guardOf(cfg *config.Config) *creds.Guard {
	return &creds.Guard{Dir: cfg.ClaudeConfigDir, Backups: filepath.Join(cfg.StateDir, "backups"), Keep: cfg.Backups}
}

// onMiss is claude-launch's fetch: the env file only; a failure only warns, for claude starts all the same.
func onMiss(ctx context.Context, cfg *config.Config, logger *log.Logger) error {
	client, err := vault.New(cfg, os.Getenv)
	if errors.Is(err, token.ErrNoVaultToken) {
		return nil
	}
	if err == nil {
		res, ts, serr := syncFrom(ctx, cfg, client, true)
		if err = serr; err == nil && res.Action == store.ActionWritten {
			_, _ = updateState(cfg, func(st *store.State) error { st.Token = ts; return nil })
		}
	}
	if err != nil {
		logger.Warn(err.Error() + "; starting claude with its own login")
		return errReported
	}
	return nil
}

func updateState(cfg *config.Config, change func(*store.State) error) (warn, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // for the state file's lock, held for milliseconds
	defer cancel()
	return store.UpdateState(ctx, filepath.Join(cfg.StateDir, store.StateFile), change)
}

// syncAndShow syncs as the timer does, then shows the status.
func syncAndShow(cfg *config.Config, logger *log.Logger, stdout io.Writer) error {
	if err := (&SyncCmd{}).Run(cfg, logger); err != nil {
		return err
	}
	io.WriteString(stdout, "\n")
	printStatus(stdout, gatherStatus(context.Background(), cfg))
	return nil
}

// Auth modes, the metrics' mode label and status's mode.
const (
	ModeSetupToken = "setup_token"
	ModeLogin      = "login"
	ModeDisabled   = "disabled" // status only: the kill switch is on
)

// authReport is what one sync learned, for the metrics.
type authReport struct {
	mode       string
	valid      bool
	state      store.State
	vaultToken *vault.TokenInfo // nil when Vault was not asked
	vaultDead  bool             // Vault does not know it
}

// writeMetrics writes the metrics for node_exporter's textfile collector, atomically, from a registry of its own.
func writeMetrics(cfg *config.Config, r authReport) error {
	reg := prometheus.NewRegistry()
	gauge := func(name, help string, v float64, labels prometheus.Labels) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels}, func() float64 { return v }))
	}
	counter := func(name, help string, v uint64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(v) }))
	}
	gauge("claude_auth_valid", "1 when the next claude has a usable credential: the setup token, or a healthy rotating login; mode says which.",
		b2f(r.valid), prometheus.Labels{"mode": r.mode})
	gauge("claude_auth_setup_token_present", "1 when the env file holds a setup token that every new claude uses.", b2f(r.mode == ModeSetupToken), nil)
	stamp := func(name, help string, t time.Time) { // a time, unless unknown
		if !t.IsZero() {
			gauge(name, help+" (Unix time).", float64(t.UnixNano())/1e9, nil)
		}
	}
	if t := r.state.Token; t != nil {
		stamp("claude_auth_setup_token_expiry_timestamp_seconds", "When the setup token expires", t.ExpiresAt)
	}
	stamp("claude_auth_last_success_timestamp_seconds", "When a sync last ended well", r.state.LastSuccess)
	if t := r.vaultToken; t != nil {
		gauge("claude_auth_vault_token_valid", "1 when Vault knows the user's Vault token; 0 when not (expired, revoked, never issued).",
			b2f(!r.vaultDead), nil)
		stamp("claude_auth_vault_token_expiry_timestamp_seconds", "When the user's Vault token ends unless renewed", t.Expires)
		stamp("claude_auth_vault_token_end_timestamp_seconds", "When the user's Vault token ends whatever the timer does", t.Ends)
	}
	counter("claude_auth_sync_failures_total", "Syncs that failed (Vault did not answer as Vault, the guard could not run, …).", r.state.SyncFailures)
	counter("claude_auth_restores_total", "Damaged rotating logins put back from a backup.", r.state.Restores)
	gauge("claude_auth_info", "The installed claude's version and claude-auth-sync's; always 1.", 1,
		prometheus.Labels{"claude_version": cmp.Or(claudeVersion(context.Background(), cfg).Version, "unknown"), "version": version.String()})
	if err := prometheus.WriteToTextfile(cfg.MetricsFile, reg); err != nil {
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

// EnableCmd stores a setup token in Vault and makes every new claude use it.
type EnableCmd struct {
	Expires string `name:"expires" placeholder:"DATE" help:"When the token expires (2027-11-28 or RFC 3339). Default: a year from now, as minted."`
}

// RotateCmd replaces the setup token and lists the agents still on the old one.
type RotateCmd struct{ EnableCmd }

// DisableCmd removes the setup token: new sessions use the rotating login.
type DisableCmd struct{}

// Run enables; over another token it names the agents to restart.
func (e *EnableCmd) Run(cfg *config.Config, logger *log.Logger, stdin io.Reader, stdout io.Writer) error {
	tok, replaced, err := e.store(cfg, logger, stdin, stdout)
	if err != nil || replaced == "" {
		return err
	}
	return restartOld(stdout, tok, replaced)
}

// Run rotates.
func (r *RotateCmd) Run(cfg *config.Config, logger *log.Logger, stdin io.Reader, stdout io.Writer) error {
	before := ""
	if tok, err := token.ReadEnvFile(cfg.EnvFile, config.SyncCommand); err == nil {
		before = fingerprint.Of(tok)
	}
	tok, replaced, err := r.store(cfg, logger, stdin, stdout)
	if err != nil {
		return err
	}
	if before == fingerprint.Of(tok) {
		io.WriteString(stdout, "\nThat is the token already in use (fingerprint "+before+"): nothing rotated.\n")
		return nil
	}
	return restartOld(stdout, tok, cmp.Or(replaced, before))
}

// Run disables.
func (d *DisableCmd) Run(cfg *config.Config, logger *log.Logger, stdout io.Writer) error {
	client, err := vault.New(cfg, os.Getenv)
	if err != nil {
		return err
	}
	if err := client.Remove(context.Background()); err != nil { // bounded by the client
		return err
	}
	io.WriteString(stdout, "removed the setup token from "+client.SecretPath()+"\n")
	if err := store.Remove(cfg.EnvFile, "remove env file"); err != nil {
		return err
	}
	return syncAndShow(cfg, logger, stdout)
}

// store reads the token, stores it in Vault, syncs and shows the status; replaced: the fingerprint of the token it replaced.
func (e *EnableCmd) store(cfg *config.Config, logger *log.Logger, stdin io.Reader, stdout io.Writer) (tok token.Secret, replaced string, err error) {
	expires := time.Now().Add(vault.TokenLifetime)
	if e.Expires != "" {
		t, err := time.Parse(time.DateOnly, e.Expires)
		if err != nil {
			t, err = time.Parse(time.RFC3339, e.Expires)
		}
		if err != nil {
			return tok, "", errUsage{"--expires=" + strconv.Quote(e.Expires) + " is not a date such as 2027-11-28 or an RFC 3339 time"}
		}
		if !t.After(time.Now()) {
			return tok, "", errUsage{"--expires=" + strconv.Quote(e.Expires) +
				" is in the past: a setup token lasts a year from `claude setup-token`; give the day it was made plus 365 days, or make a new one"}
		}
		expires = t
	}
	if tok, err = readToken(stdin); err != nil {
		return token.Secret{}, "", err
	}
	// Checked before Vault is written: a refused directory must not leave the token in Vault and no env file.
	if err := store.CheckDir(filepath.Dir(cfg.EnvFile), store.EnvFileHint); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return token.Secret{}, "", fmt.Errorf("%w; nothing was stored", err)
	}
	client, err := vault.New(cfg, os.Getenv)
	if err != nil {
		return token.Secret{}, "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.VaultTimeout)
	defer cancel()
	// The same token again is a no-op: its expiry stays that of its mint, as first recorded.
	if cur, err := client.Fetch(ctx); err == nil && cur.Token.Equal(tok) {
		io.WriteString(stdout, "the setup token (fingerprint "+fingerprint.Of(tok)+") is already the one at "+client.SecretPath()+": nothing written\n")
		if e.Expires != "" {
			io.WriteString(stdout, "--expires was not recorded: a token's expiry is the one recorded when it was first stored "+
				"(`claude-auth-sync disable`, then `enable --expires`, to correct it)\n")
		}
	} else {
		what := "stored the setup token (fingerprint " + fingerprint.Of(tok) + ")"
		if err == nil {
			replaced = fingerprint.Of(cur.Token)
			what = "replaced the setup token (fingerprint " + replaced + ") with this one (fingerprint " + fingerprint.Of(tok) + ")"
		}
		if err := client.Store(ctx, tok, time.Now(), expires); err != nil {
			return token.Secret{}, "", err
		}
		io.WriteString(stdout, what+" at "+client.SecretPath()+", expiring "+expires.Format(time.DateOnly)+"\n")
	}
	return tok, replaced, syncAndShow(cfg, logger, stdout)
}

// tokenRe finds a setup token and the rest of its line, validated after: anything after it is refused, not cut off.
var tokenRe = regexp.MustCompile(token.Prefix + `[^\n]*`)

const maxTokenInput = 64 << 10 // what readToken reads from a pipe at most: far more than `claude setup-token` prints

// readToken reads the setup token at a no-echo prompt on a terminal, else all of stdin; nothing read reaches a message.
func readToken(stdin io.Reader) (token.Secret, error) {
	var in []byte
	var err error
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		// Echo off before the prompt: a paste before ReadPassword turns it off would be shown.
		if st, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err == nil {
			quiet := *st
			quiet.Lflag &^= unix.ECHO
			_ = unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, &quiet)
			defer unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, st)
		}
		os.Stderr.WriteString("Paste your setup token (from `claude setup-token`; it is not shown), then Enter: ")
		in, err = term.ReadPassword(int(f.Fd()))
		os.Stderr.WriteString("\n")
		if err != nil {
			return token.Secret{}, fmt.Errorf("read the token: %w", err)
		}
	} else if in, err = io.ReadAll(io.LimitReader(stdin, maxTokenInput+1)); err != nil {
		return token.Secret{}, fmt.Errorf("read the token from stdin: %w", err)
	} else if len(in) > maxTokenInput { // past the bound a token may be cut: refuse, never truncate
		return token.Secret{}, errUsage{"stdin holds more than 64 KiB, which is not a setup token: " +
			"pipe in the token alone, or the output of `claude setup-token`"}
	}
	candidate := strings.TrimSpace(string(in))
	found := map[string]bool{}
	for _, m := range tokenRe.FindAll(in, -1) {
		candidate = strings.TrimRight(string(m), " \t\r")
		found[candidate] = true
	}
	switch {
	case len(found) > 1:
		return token.Secret{}, errUsage{"more than one setup token was given: give one"}
	case candidate == "":
		return token.Secret{}, errUsage{"no setup token given: paste it at the prompt, or pipe it on stdin"}
	}
	tok, err := token.NewSecret(candidate) // says why it is not a token, never what it was
	if err != nil {
		return token.Secret{}, errUsage{err.Error()}
	}
	return tok, nil
}

// restartOld lists the running agents not on tok, with one tmux command restarting their panes, then says to revoke old.
func restartOld(stdout io.Writer, tok token.Secret, old string) error {
	list, err := agents.List()
	if err != nil {
		return err
	}
	var b strings.Builder
	var panes []string
	for _, a := range list {
		switch cur := fingerprint.Of(tok); {
		case a.Fingerprint == cur: // on the new token already
		case a.Pane != "":
			b.WriteString("  " + agentLine(a, cur) + "\n")
			panes = append(panes, "respawn-pane -k -t "+a.Pane)
		default:
			b.WriteString("  " + agentLine(a, cur) + "; exit it (/exit) and start claude again\n")
		}
	}
	if b.Len() == 0 {
		io.WriteString(stdout, "\nNo running agent is on another credential.\n")
	} else {
		io.WriteString(stdout, "\nThese running agents keep the credential they started with until restarted:\n"+b.String())
	}
	if len(panes) > 0 {
		io.WriteString(stdout, "Restart every pane among them: tmux "+strings.Join(panes, " \\; ")+"\n")
	}
	if old != "" {
		io.WriteString(stdout, "Then revoke the old setup token (fingerprint "+old+") in your Anthropic console: it works until it expires.\n")
	}
	return nil
}
