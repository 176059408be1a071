package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/claude-launch/claude-launch/internal/agents"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/creds"
	"github.com/claude-launch/claude-launch/internal/kills"
	"github.com/claude-launch/claude-launch/internal/launch"
	"github.com/claude-launch/claude-launch/internal/store"
	"github.com/claude-launch/claude-launch/internal/vault"
	"github.com/claude-launch/claude-launch/pkg/cgroup/memsize"
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
)

// Status is what status found. Nothing in it is a token: only fingerprints.
type Status struct {
	Healthy    bool     `json:"healthy"`
	Problems   []string `json:"problems"`
	Warnings   []string `json:"warnings"`
	Mode       string   `json:"mode"` // what the next claude uses: setup_token, login (claude's own), or disabled
	ConfigFile string   `json:"config_file,omitempty"`
	EnvFile    struct {
		Path        string    `json:"path"`
		Present     bool      `json:"present"`
		Fingerprint string    `json:"fingerprint,omitempty"`
		Owner       string    `json:"owner,omitempty"`
		Mode        string    `json:"mode,omitempty"`
		ModifiedAt  time.Time `json:"modified_at,omitzero"`
		Error       string    `json:"error,omitempty"`
	} `json:"env_file"`
	Token    *store.TokenState `json:"setup_token,omitempty"`
	DaysLeft *int              `json:"days_until_expiry,omitempty"`
	Vault    struct {
		Addr        string           `json:"addr,omitempty"`
		Path        string           `json:"path,omitempty"`
		SetUp       bool             `json:"set_up"`
		Answered    bool             `json:"answered"`
		HasToken    bool             `json:"has_setup_token"` // this and Fingerprint: Vault's answer, when it answered
		Fingerprint string           `json:"fingerprint,omitempty"`
		Version     int              `json:"secret_version,omitempty"`
		Error       string           `json:"error,omitempty"`
		Token       *vault.TokenInfo `json:"vault_token,omitempty"` // as lookup-self says (status never renews it), or why not
		TokenError  string           `json:"vault_token_error,omitempty"`
	} `json:"vault"`
	Login struct {
		File    string `json:"file,omitempty"`
		Checked bool   `json:"checked"`
		State   string `json:"state,omitempty"`
		Detail  string `json:"detail,omitempty"`
		Lock    string `json:"refresh_lock_problem,omitempty"` // claude's refresh lock, left by a dead holder or dated in the future
	} `json:"rotating_login"`
	Overrides []string       `json:"overrides"`
	Claude    claudeInfo     `json:"claude"`
	Agents    []agents.Agent `json:"agents"`
	Kills     []kills.Kill   `json:"oom_kills"` // of the last day, in cgroups of ours
}

// gatherStatus asks everything it can, each question bounded, and changes nothing; each step reads the ones before.
func gatherStatus(ctx context.Context, cfg *config.Config) Status {
	st := &Status{Mode: ModeLogin, ConfigFile: cfg.File, Problems: []string{}, Warnings: []string{}, Overrides: []string{}}
	st.judgeEnvFile(cfg)
	st.judgeVault(ctx, cfg)
	st.judgeLogin(cfg)
	st.judgeOverrides(cfg)
	st.judgeClaude(ctx, cfg)
	st.judgeAgents(cfg)
	st.Healthy = len(st.Problems) == 0
	return *st
}

func (st *Status) problem(s string) { st.Problems = append(st.Problems, s) }
func (st *Status) warn(s string)    { st.Warnings = append(st.Warnings, s) }

// judgeEnvFile: the env file, what the next claude uses, and its token's recorded expiry.
func (st *Status) judgeEnvFile(cfg *config.Config) {
	ef := &st.EnvFile
	ef.Path = cfg.EnvFile
	var sys syscall.Stat_t
	if err := syscall.Lstat(cfg.EnvFile, &sys); err == nil {
		ef.Present, ef.Mode, ef.ModifiedAt = true, token.Octal(sys.Mode&0o777), time.Unix(sys.Mtim.Sec, sys.Mtim.Nsec)
		ef.Owner = "uid " + strconv.Itoa(int(sys.Uid))
		if int(sys.Uid) == os.Geteuid() {
			ef.Owner = "you"
		}
		if tok, err := token.ReadEnvFile(cfg.EnvFile, config.SyncCommand); err != nil {
			ef.Error = err.Error()
		} else {
			ef.Fingerprint = fingerprint.Of(tok)
		}
	}
	switch {
	case cfg.Disabled:
		st.Mode = ModeDisabled
		st.warn(config.EnvDisable + " is on: every claude starts with its own login, and nothing is synced")
	case ef.Fingerprint != "":
		st.Mode = ModeSetupToken
	case ef.Present:
		st.problem("the env file is refused: " + ef.Error)
	}
	if state, err := store.LoadState(filepath.Join(cfg.StateDir, store.StateFile)); err == nil && st.Mode == ModeSetupToken {
		st.Token = state.Token
	}
	if st.Token == nil || st.Token.ExpiresAt.IsZero() {
		return
	}
	left, exp, fix := time.Until(st.Token.ExpiresAt), st.Token.ExpiresAt.Format(time.DateOnly),
		": make a new one (`claude setup-token`) and run `claude-auth-sync rotate`"
	st.DaysLeft = new(int(left.Hours() / 24))
	switch {
	case left <= 0:
		st.problem("the setup token expired on " + exp + fix)
	case left < 30*24*time.Hour: // a month ahead, as the expiry alert
		st.warn("the setup token expires in " + strconv.Itoa(*st.DaysLeft) + " days (" + exp + ")" + fix)
	}
}

// judgeVault: does Vault answer (asked read-only), and what does it hold?
func (st *Status) judgeVault(ctx context.Context, cfg *config.Config) {
	vs := &st.Vault
	vs.Addr = cfg.VaultAddr
	client, err := vault.New(cfg, os.Getenv)
	if errors.Is(err, token.ErrNoVaultToken) {
		return
	}
	vs.SetUp = true
	var f vault.Found
	if err == nil {
		vs.Addr, vs.Path = client.Addr(), client.SecretPath()
		if info, err := client.Token(ctx, false); err == nil { // only the read says whether the token works
			vs.Token = &info
		} else if !errors.Is(err, vault.ErrTokenDead) {
			vs.TokenError = err.Error()
		}
		f, err = client.Fetch(ctx)
	}
	switch {
	case err == nil:
		vs.HasToken, vs.Fingerprint, vs.Version = true, fingerprint.Of(f.Token), f.Version
	case errors.Is(err, vault.ErrTokenDead):
		vs.Error = err.Error()
		st.problem(vs.Error)
		return
	case !errors.Is(err, token.ErrNoToken):
		vs.Error = err.Error()
		st.warn("vault: " + vs.Error)
		return
	}
	vs.Answered = true
	switch {
	case st.Mode == ModeSetupToken && !vs.HasToken:
		st.problem("Vault has no setup token at " + vs.Path + " (opted out?), but the env file still holds one: run `claude-auth-sync sync`")
	case st.Mode == ModeSetupToken && vs.Fingerprint != st.EnvFile.Fingerprint:
		st.warn("Vault holds another token (fingerprint " + vs.Fingerprint + ") than the env file: run `claude-auth-sync sync`")
	case st.Mode == ModeLogin && vs.HasToken && !st.EnvFile.Present:
		st.warn("Vault holds a setup token the env file lacks: run `claude-auth-sync sync`")
	}
	// Apart from the secret's verdict: a short-lived token is "ending" on every run.
	if vs.Token != nil && vs.Token.Ending(time.Now()) {
		st.warn(tokenEnding(*vs.Token))
	}
	if vs.TokenError != "" {
		st.warn(vs.TokenError)
	}
}

// judgeLogin: the rotating login's file and claude's refresh lock, unless a setup token is in use.
func (st *Status) judgeLogin(cfg *config.Config) {
	st.Login.File = filepath.Join(cfg.ClaudeConfigDir, creds.FileName)
	if st.Mode == ModeSetupToken || cfg.ClaudeConfigDir == "" {
		return
	}
	v, _, err := guardOf(cfg).Inspect()
	st.Login.Checked, st.Login.State, st.Login.Detail = true, string(v.State), v.String()
	switch {
	case err != nil:
		st.Login.State, st.Login.Detail = "refused", err.Error()
		st.problem(err.Error())
	case !v.State.Healthy() && !st.EnvFile.Present:
		st.problem("the rotating login is " + v.String() + ": log in again (`claude auth login`), or opt in to a setup token (`claude-auth-sync enable`)")
	}
	if l, err := creds.InspectLock(cfg.ClaudeConfigDir); err == nil {
		if st.Login.Lock = l.Problem(time.Now()); st.Login.Lock != "" {
			st.problem(st.Login.Lock)
		}
	}
}

// judgeOverrides: what claude would use before the setup token: a variable, or an apiKeyHelper in its settings files.
func (st *Status) judgeOverrides(cfg *config.Config) {
	st.Overrides = append(st.Overrides, launch.Overriding(os.Environ())...)
	files := []string{"/etc/claude-code/managed-settings.json", ".claude/settings.json", ".claude/settings.local.json"}
	if cfg.ClaudeConfigDir != "" {
		files = append([]string{filepath.Join(cfg.ClaudeConfigDir, "settings.json")}, files...)
	}
	for _, f := range files {
		var s struct {
			APIKeyHelper string `json:"apiKeyHelper"`
		}
		if b, err := creds.ReadClaudes(f, 0); err == nil && json.Unmarshal(b, &s) == nil && s.APIKeyHelper != "" { // never blocks on a FIFO
			st.Overrides = append(st.Overrides, "the apiKeyHelper in "+f)
		}
	}
	if len(st.Overrides) > 0 && st.Mode == ModeSetupToken {
		st.problem("claude uses " + strings.Join(st.Overrides, " and ") + " before CLAUDE_CODE_OAUTH_TOKEN, so the setup token is not used: remove it")
	}
}

// judgeClaude: claude itself, and what it says it will use.
func (st *Status) judgeClaude(ctx context.Context, cfg *config.Config) {
	st.Claude = claudeVersion(ctx, cfg)
	switch {
	case st.Claude.Error != "": // no claude that answers: no agent can start, whatever the login
		st.problem("claude: " + st.Claude.Error)
	case st.Claude.BelowFloor && st.Mode == ModeSetupToken:
		st.problem("claude " + st.Claude.Version +
			" is older than 2.1.225, which can replace a setup token with a stored login's after a 401 and fall back into the race: update claude")
	}
	if st.Claude.Error != "" || st.Mode != ModeSetupToken { // asked only with the setup token in use: on a stored login it could refresh it
		return
	}
	method, err := authThroughLauncher(ctx)
	st.Claude.AuthMethod = method
	switch {
	case err != nil:
		st.problem("claude did not say which credential it uses through claude-launch, so the setup token is not known to work: " + err.Error())
	case method != "oauth_token" && len(st.Overrides) == 0:
		st.problem("claude says it would use " + method +
			", not the setup token: claude-launch did not pass it; check that it reads the env file " +
			"(`CLAUDE_LAUNCH_LOG_LEVEL=debug claude-launch --version` says where it looks) and that " + config.EnvDisable + " is not set")
	}
}

// judgeAgents: the running agents, which token each was started with, and the OOM kills at our caps of the last day.
func (st *Status) judgeAgents(cfg *config.Config) {
	list, err := agents.List()
	if err != nil {
		st.warn("cannot list running agents: " + err.Error())
	}
	st.Agents = append([]agents.Agent{}, list...)
	var old []string
	for _, a := range st.Agents {
		if st.Mode == ModeSetupToken && a.Fingerprint != st.EnvFile.Fingerprint {
			old = append(old, strconv.Itoa(a.PID))
		}
	}
	if len(old) > 0 {
		st.warn(strconv.Itoa(len(old)) + " running agent(s) started with another credential than the env file's " +
			"and keep it until restarted: pid " + strings.Join(old, ", "))
	}
	oom, err := kills.Since(cfg.StateDir, time.Now().Add(-24*time.Hour)) // as the watcher and the pane starter record them
	if err != nil {
		st.warn(err.Error())
	}
	if st.Kills = append([]kills.Kill{}, oom...); len(oom) > 0 {
		st.warn(strconv.Itoa(len(oom)) + " OOM kill(s) at a cap in the last day (see below); a runaway that keeps coming back needs a fix or a larger cap")
	}
}

// printStatus writes the status for a person: the verdict, what to act on, then what was found.
func printStatus(w io.Writer, st Status) {
	var b strings.Builder
	if !st.Healthy {
		b.WriteString("NOT ")
	}
	b.WriteString("healthy\n")
	for _, p := range st.Problems {
		b.WriteString("problem: " + p + "\n")
	}
	for _, p := range st.Warnings {
		b.WriteString("warning: " + p + "\n")
	}
	b.WriteString("\n")
	line := func(k, v string) { b.WriteString("  " + k + strings.Repeat(" ", max(1, 17-len(k))) + v + "\n") }
	uses := map[string]string{
		ModeDisabled:   "its own login (the launcher is off)",
		ModeSetupToken: "the setup token, fingerprint " + st.EnvFile.Fingerprint,
	}
	line("next claude uses", cmp.Or(uses[st.Mode], "its own rotating login"))
	ef := "none"
	if st.EnvFile.Present {
		ef = st.EnvFile.Owner + ", mode " + st.EnvFile.Mode + ", written " + ago(st.EnvFile.ModifiedAt)
	}
	line("env file", st.EnvFile.Path+": "+ef)
	if st.DaysLeft != nil { // set only beside a Token
		line("expires", st.Token.ExpiresAt.Format(time.DateOnly)+", in "+strconv.Itoa(*st.DaysLeft)+" days (from "+st.Token.ExpirySource+")")
	} else if st.Token != nil {
		line("expires", "unknown")
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
	c := st.Claude.Version + " at " + st.Claude.Path // both known unless Error says why not
	switch {
	case st.Claude.Error != "":
		c = st.Claude.Error
	case st.Claude.AuthMethod != "":
		c += "; through claude-launch it uses " + st.Claude.AuthMethod
	case st.Mode != ModeSetupToken:
		c += "; not asked for its login (asking could refresh the rotating login; its file is judged above)"
	}
	line("claude", c)
	line("overrides", cmp.Or(strings.Join(st.Overrides, ", "), "none"))
	var procs, running []string
	for _, a := range st.Agents {
		if a.ServerProcess {
			procs = append(procs, strconv.Itoa(a.PID))
		} else {
			running = append(running, "    "+agentLine(a, st.EnvFile.Fingerprint)+"\n")
		}
	}
	line("running agents", strconv.Itoa(len(running)))
	b.WriteString(strings.Join(running, ""))
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
	left := roughly(time.Until(t.Expires), 2*time.Hour, 72*time.Hour) + " left"
	switch {
	case t.Expires.IsZero():
		return "never expires"
	case t.Short:
		return left + ", renewable, but its TTL is too short for the hourly timer: ask for over " + config.FormatDuration(2*vault.TimerGap)
	case t.Periodic:
		return "periodic, " + left + "; the timer's sync renews it for ever"
	case t.Renewable:
		return left + ", renewable: the timer's sync renews it at half its TTL, up to its max TTL"
	}
	return left + ", not renewable: log in again (`vault login`) before it ends"
}

// ago says how long ago t was, roughly.
func ago(t time.Time) string {
	switch {
	case t.IsZero():
		return "at an unknown time"
	case time.Since(t) < time.Minute:
		return "just now"
	}
	return roughly(time.Since(t), time.Hour, 48*time.Hour) + " ago"
}

// roughly says d in seconds, in minutes below inMinutes, in hours below inHours, else in days.
func roughly(d, inMinutes, inHours time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + " s"
	case d < inMinutes:
		return strconv.Itoa(int(d.Minutes())) + " min"
	case d < inHours:
		return strconv.Itoa(int(d.Hours())) + " h"
	}
	return strconv.Itoa(int(d.Hours()/24)) + " days"
}

const claudeTimeout = 10 * time.Second // for each question put to claude

var versionRe = regexp.MustCompile(`\b(\d+)\.(\d+)\.(\d+)\b`)

// claudeInfo is what claude says of itself.
type claudeInfo struct {
	Path       string `json:"path,omitempty"`
	Version    string `json:"version,omitempty"`
	BelowFloor bool   `json:"below_version_floor,omitempty"`
	AuthMethod string `json:"auth_method_through_launcher,omitempty"` // claude's answer through claude-launch, on a setup token only
	Error      string `json:"error,omitempty"`
}

// claudeVersion finds the real claude as claude-launch does and asks its version.
func claudeVersion(ctx context.Context, cfg *config.Config) claudeInfo {
	f, err := launch.Find("claude", cfg.Claude, config.EnvClaude, os.Getenv("PATH"))
	if err != nil && cfg.Claude != "" {
		f, err = launch.Find("claude", "", config.EnvClaude, os.Getenv("PATH"))
	}
	if err != nil {
		return claudeInfo{Error: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, claudeTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, f.Path, "--version").Output()
	m := versionRe.FindStringSubmatch(string(out))
	if err != nil || m == nil {
		return claudeInfo{Path: f.Path, Error: "`claude --version` gave no version"}
	}
	var v [3]int // to compare with 2.1.225, the first whose setup token a 401 no longer swaps for a stored login's
	for i := range v {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	return claudeInfo{Path: f.Path, Version: m[0], BelowFloor: slices.Compare(v[:], []int{2, 1, 225}) < 0}
}

// authThroughLauncher returns claude's authMethod from `claude-launch auth status --json` (beside this program, else in PATH),
// run with CLAUDE_CONFIG_DIR an empty directory of its own, as that command refreshes an expired stored login (docs/race-lab.md).
func authThroughLauncher(ctx context.Context) (string, error) {
	launcher, ok := launch.Beside("claude-launch", os.Environ())
	if !ok {
		return "", errors.New("no claude-launch beside claude-auth-sync or in PATH")
	}
	empty, err := os.MkdirTemp("", "claude-auth-sync-status-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(empty)
	ctx, cancel := context.WithTimeout(ctx, claudeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, launcher, "auth", "status", "--json")
	cmd.Env = launch.Setenv(os.Environ(), "CLAUDE_CONFIG_DIR", empty)
	out, _ := cmd.Output() // exits 1 when logged out, with the same JSON
	var st struct {
		AuthMethod string `json:"authMethod"`
	}
	if err := json.Unmarshal(out, &st); err != nil || st.AuthMethod == "" {
		if ctx.Err() != nil {
			return "", errors.New("`claude auth status` gave no answer within " + claudeTimeout.String())
		}
		first, _, _ := strings.Cut(string(out), "\n")
		if len(first) > 200 {
			first = first[:200] + "…"
		}
		return "", errors.New("`claude auth status --json` through claude-launch gave no authMethod: " + strings.TrimSpace(first))
	}
	return st.AuthMethod, nil
}
