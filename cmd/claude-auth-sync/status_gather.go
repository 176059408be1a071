package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
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
	"github.com/claude-launch/claude-launch/pkg/token"
	"github.com/claude-launch/claude-launch/pkg/token/fingerprint"
)

// expiryWarning is how long before a setup token expires status warns (and the alert fires).
const expiryWarning = 30 * 24 * time.Hour

// Status is what status found. Nothing in it is a token: only fingerprints.
type Status struct {
	Healthy  bool     `json:"healthy"`
	Problems []string `json:"problems"`
	Warnings []string `json:"warnings"`
	// Mode is what the next claude uses: setup_token, login (claude's own), or disabled.
	Mode       string            `json:"mode"`
	ConfigFile string            `json:"config_file,omitempty"`
	EnvFile    envFileStatus     `json:"env_file"`
	Token      *store.TokenState `json:"setup_token,omitempty"`
	DaysLeft   *int              `json:"days_until_expiry,omitempty"`
	Vault      vaultStatus       `json:"vault"`
	Login      loginStatus       `json:"rotating_login"`
	Overrides  []string          `json:"overrides"`
	Claude     claudeInfo        `json:"claude"`
	Agents     []agents.Agent    `json:"agents"`
	// Kills are the OOM kills of the last day in cgroups of ours.
	Kills []kills.Kill `json:"oom_kills"`
}

type envFileStatus struct {
	Path        string    `json:"path"`
	Present     bool      `json:"present"`
	Fingerprint string    `json:"fingerprint,omitempty"`
	Owner       string    `json:"owner,omitempty"`
	Mode        string    `json:"mode,omitempty"`
	ModifiedAt  time.Time `json:"modified_at,omitzero"`
	Error       string    `json:"error,omitempty"`
}

type vaultStatus struct {
	Addr     string `json:"addr,omitempty"`
	Path     string `json:"path,omitempty"`
	SetUp    bool   `json:"set_up"`
	Answered bool   `json:"answered"`
	// HasToken and Fingerprint: Vault's answer, when it answered.
	HasToken    bool   `json:"has_setup_token"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Version     int    `json:"secret_version,omitempty"`
	Error       string `json:"error,omitempty"`
	err         error  // Error's cause, to tell it apart
	// Token is the user's Vault token as lookup-self says (status never renews it), or why not.
	Token      *vault.TokenInfo `json:"vault_token,omitempty"`
	TokenError string           `json:"vault_token_error,omitempty"`
}

type loginStatus struct {
	File    string `json:"file,omitempty"`
	Checked bool   `json:"checked"`
	State   string `json:"state,omitempty"`
	Detail  string `json:"detail,omitempty"`
	// Lock is what is wrong with claude's refresh lock: left by a dead holder, or dated in the future.
	Lock string `json:"refresh_lock_problem,omitempty"`
}

// gatherStatus asks everything it can, each question bounded, and changes nothing; each step
// reads what the ones before it found.
func gatherStatus(ctx context.Context, cfg *config.Config) Status {
	st := &Status{Mode: ModeLogin, ConfigFile: cfg.File, Problems: []string{}, Warnings: []string{}, Overrides: []string{}}
	st.judgeEnvFile(cfg)
	st.judgeVault(ctx, cfg)
	st.judgeLogin(cfg)
	st.judgeOverrides(cfg)
	st.judgeClaude(ctx, cfg)
	st.judgeAgents()
	st.judgeKills(cfg)
	st.Healthy = len(st.Problems) == 0
	return *st
}

func (st *Status) problem(s string) { st.Problems = append(st.Problems, s) }
func (st *Status) warn(s string)    { st.Warnings = append(st.Warnings, s) }

// judgeEnvFile: the env file, what the next claude uses, and its token's recorded expiry.
func (st *Status) judgeEnvFile(cfg *config.Config) {
	st.EnvFile = envFileOf(cfg.EnvFile)
	switch {
	case cfg.Disabled:
		st.Mode = ModeDisabled
		st.warn(config.EnvDisable + " is on: every claude starts with its own login, and nothing is synced")
	case st.EnvFile.Fingerprint != "":
		st.Mode = ModeSetupToken
	case st.EnvFile.Present:
		st.problem("the env file is refused: " + st.EnvFile.Error)
	}
	if cfg.StateDir == "" || st.Mode != ModeSetupToken {
		return
	}
	state, err := store.LoadState(filepath.Join(cfg.StateDir, store.StateFile))
	if err != nil || state.Token == nil {
		return
	}
	st.Token = state.Token
	if state.Token.ExpiresAt.IsZero() {
		return
	}
	days := int(time.Until(state.Token.ExpiresAt).Hours() / 24)
	st.DaysLeft = &days
	switch left := time.Until(state.Token.ExpiresAt); {
	case left <= 0:
		st.problem("the setup token expired on " + state.Token.ExpiresAt.Format(time.DateOnly) +
			": make a new one (`claude setup-token`) and run `claude-auth-sync rotate`")
	case left < expiryWarning:
		st.warn("the setup token expires in " + strconv.Itoa(days) + " days (" + state.Token.ExpiresAt.Format(time.DateOnly) +
			"): make a new one (`claude setup-token`) and run `claude-auth-sync rotate`")
	}
}

// judgeVault: does Vault answer, and what does it hold?
func (st *Status) judgeVault(ctx context.Context, cfg *config.Config) {
	st.Vault = vaultOf(ctx, cfg)
	switch {
	case errors.Is(st.Vault.err, vault.ErrTokenDead):
		st.problem(st.Vault.Error)
	case st.Vault.Error != "":
		st.warn("vault: " + st.Vault.Error)
	case st.Vault.Token != nil && st.Vault.Token.Ending(time.Now()):
		st.warn(tokenEnding(*st.Vault.Token))
	case st.Vault.Answered && st.Mode == ModeSetupToken && !st.Vault.HasToken:
		st.problem("Vault has no setup token at " + st.Vault.Path + " (opted out?), but the env file still holds one: run `claude-auth-sync sync`")
	case st.Vault.Answered && st.Mode == ModeSetupToken && st.Vault.Fingerprint != st.EnvFile.Fingerprint:
		st.warn("Vault holds another token (fingerprint " + st.Vault.Fingerprint + ") than the env file: run `claude-auth-sync sync`")
	case st.Vault.Answered && st.Mode == ModeLogin && st.Vault.HasToken && !st.EnvFile.Present:
		st.warn("Vault holds a setup token the env file lacks: run `claude-auth-sync sync`")
	}
	if st.Vault.TokenError != "" && st.Vault.Error == "" {
		st.warn(st.Vault.TokenError)
	}
}

// judgeLogin: the rotating login's file and claude's refresh lock, unless a setup token is in use.
func (st *Status) judgeLogin(cfg *config.Config) {
	st.Login.File = filepath.Join(cfg.ClaudeConfigDir, creds.FileName)
	if st.Mode == ModeSetupToken || cfg.ClaudeConfigDir == "" {
		return
	}
	v, _, err := guardOf(cfg).Inspect()
	st.Login.Checked = true
	if err != nil {
		st.Login.State, st.Login.Detail = "refused", err.Error()
		st.problem(err.Error())
	} else {
		st.Login.State, st.Login.Detail = string(v.State), v.String()
		if !v.State.Healthy() && !st.EnvFile.Present {
			st.problem("the rotating login is " + v.String() + ": log in again (`claude auth login`), or opt in to a setup token (`claude-auth-sync enable`)")
		}
	}
	if l, err := creds.InspectLock(cfg.ClaudeConfigDir); err == nil {
		if st.Login.Lock = l.Problem(time.Now()); st.Login.Lock != "" {
			st.problem(st.Login.Lock)
		}
	}
}

// judgeOverrides: what would make claude use something else than the setup token.
func (st *Status) judgeOverrides(cfg *config.Config) {
	for _, name := range launch.OverridingVars {
		if os.Getenv(name) != "" {
			st.Overrides = append(st.Overrides, name)
		}
	}
	st.Overrides = append(st.Overrides, apiKeyHelpers(cfg)...)
	if len(st.Overrides) > 0 && st.Mode == ModeSetupToken {
		st.problem("claude uses " + strings.Join(st.Overrides, " and ") + " before CLAUDE_CODE_OAUTH_TOKEN, so the setup token is not used: remove it")
	}
}

// judgeClaude: claude itself, and what it says it will use.
func (st *Status) judgeClaude(ctx context.Context, cfg *config.Config) {
	st.Claude = claudeVersion(ctx, cfg)
	switch {
	case st.Claude.Error != "":
		// No claude that answers: no agent can start, whatever the login.
		st.problem("claude: " + st.Claude.Error)
	case st.Claude.BelowFloor && st.Mode == ModeSetupToken:
		st.problem("claude " + st.Claude.Version +
			" is older than 2.1.225, which can replace a setup token with a stored login's after a 401 and fall back into the race: update claude")
	}
	// Asked only with the setup token in use: on a stored login it could refresh it.
	if st.Claude.Error != "" || st.Mode != ModeSetupToken {
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

// judgeKills: the OOM kills of the last day, in the record the watcher
// and the pane starter keep.
func (st *Status) judgeKills(cfg *config.Config) {
	list, err := kills.Since(cfg.StateDir, time.Now().Add(-24*time.Hour))
	if err != nil {
		st.warn(err.Error())
	}
	if st.Kills = append([]kills.Kill{}, list...); len(list) > 0 {
		st.warn(strconv.Itoa(len(list)) + " OOM kill(s) at a cap in the last day (see below); a runaway that keeps coming back needs a fix or a larger cap")
	}
}

// judgeAgents: the running agents, and which token each was started with.
func (st *Status) judgeAgents() {
	if list, err := agents.List(); err == nil {
		st.Agents = list
	} else {
		st.warn("cannot list running agents: " + err.Error())
	}
	if st.Agents == nil {
		st.Agents = []agents.Agent{}
	}
	if st.Mode != ModeSetupToken {
		return
	}
	var old []string
	for _, a := range st.Agents {
		if a.Fingerprint != st.EnvFile.Fingerprint {
			old = append(old, strconv.Itoa(a.PID))
		}
	}
	if len(old) > 0 {
		st.warn(strconv.Itoa(len(old)) + " running agent(s) started with another credential than the env file's " +
			"and keep it until restarted: pid " + strings.Join(old, ", "))
	}
}

func envFileOf(path string) envFileStatus {
	es := envFileStatus{Path: path}
	if path == "" {
		es.Error = "no home directory"
		return es
	}
	var sys syscall.Stat_t
	if err := syscall.Lstat(path, &sys); err != nil {
		return es
	}
	es.Present = true
	es.Mode = token.Octal(sys.Mode & 0o777)
	es.Owner = "uid " + strconv.Itoa(int(sys.Uid))
	if int(sys.Uid) == os.Geteuid() {
		es.Owner = "you"
	}
	es.ModifiedAt = time.Unix(sys.Mtim.Sec, sys.Mtim.Nsec)
	tok, err := token.ReadEnvFile(path, config.SyncCommand)
	if err != nil {
		es.Error = err.Error()
		return es
	}
	es.Fingerprint = fingerprint.Of(tok)
	return es
}

// vaultOf asks Vault, read-only, what it holds.
func vaultOf(ctx context.Context, cfg *config.Config) vaultStatus {
	vs := vaultStatus{Addr: cfg.VaultAddr}
	client, err := vault.New(cfg, os.Getenv)
	if errors.Is(err, token.ErrNoVaultToken) {
		return vs
	}
	vs.SetUp = true
	if err != nil {
		vs.err, vs.Error = err, err.Error()
		return vs
	}
	vs.Addr, vs.Path = client.Addr(), client.SecretPath()
	// Only the read says whether the token works.
	if info, err := client.LookupToken(ctx); err == nil {
		vs.Token = &info
	} else if !errors.Is(err, vault.ErrTokenDead) {
		vs.TokenError = err.Error()
	}
	f, err := client.Fetch(ctx)
	vs.err = err
	switch {
	case err == nil:
		vs.Answered, vs.HasToken, vs.Fingerprint, vs.Version = true, true, fingerprint.Of(f.Token), f.Version
	case errors.Is(err, token.ErrNoToken):
		vs.Answered = true
	default:
		vs.err, vs.Error = err, err.Error()
	}
	return vs
}

// apiKeyHelpers names the claude settings files (the user's, the managed one, the current
// directory's) that set an apiKeyHelper, which claude prefers to CLAUDE_CODE_OAUTH_TOKEN.
func apiKeyHelpers(cfg *config.Config) []string {
	files := []string{"/etc/claude-code/managed-settings.json", ".claude/settings.json", ".claude/settings.local.json"}
	if cfg.ClaudeConfigDir != "" {
		files = append([]string{filepath.Join(cfg.ClaudeConfigDir, "settings.json")}, files...)
	}
	var out []string
	for _, f := range files {
		b, err := creds.ReadClaudes(f, 0) // never blocks on a FIFO
		if err != nil {
			continue
		}
		var s struct {
			APIKeyHelper string `json:"apiKeyHelper"`
		}
		if json.Unmarshal(b, &s) == nil && s.APIKeyHelper != "" {
			out = append(out, "the apiKeyHelper in "+f)
		}
	}
	return out
}
