package racelab

import (
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// This file is a model of the claude client's handling of its rotating
// login, built from public reports (anthropics/claude-code issues #24317,
// #41507, #76561, #88583, #91009; the lock as third parties read it from
// the shipped code), not claude's own code:
//
//   - it keeps its tokens in memory, and on expiry (or a 401) re-reads the
//     credentials file and adopts a fresh token another process wrote;
//   - else it refreshes with the file's refresh token and writes the file
//     back as claude does (temp file + rename, mode 0600);
//   - a loser that gets 400 invalid_grant writes a blanked credential
//     (empty tokens, expiresAt 0: "a logged-out stub");
//   - with the lock habit, it does all of that under a directory lock
//     beside the file (.oauth_refresh.lock, stale after a while), retrying
//     5 times with jitter, and on lock_timeout fails the call, retryably.

// Cred is claude's credentials file.
type Cred struct {
	OAuth OAuth `json:"claudeAiOauth"`
}

// OAuth is the login inside it, in claude's field names.
type OAuth struct {
	AccessToken      string   `json:"accessToken"`
	RefreshToken     string   `json:"refreshToken"`
	ExpiresAt        int64    `json:"expiresAt"`
	Scopes           []string `json:"scopes"`
	SubscriptionType string   `json:"subscriptionType"`
}

// NewCred is the file for a fresh pair.
func NewCred(t Tokens, now time.Time) Cred {
	return Cred{OAuth{AccessToken: t.Access, RefreshToken: t.Refresh, ExpiresAt: now.UnixMilli() + t.ExpiresIn,
		Scopes: []string{"user:inference", "user:profile"}, SubscriptionType: "max"}}
}

// Blanked is what a loser writes.
func Blanked() Cred {
	return Cred{OAuth{Scopes: []string{}, SubscriptionType: "max"}}
}

// WriteCred writes the file as claude does: a temp file beside it, then
// rename.
func WriteCred(path string, c Cred) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	tmp := path + ".tmp." + strconv.Itoa(os.Getpid()) + "." + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ReadCred reads the file; a missing or unreadable one is blank.
func ReadCred(path string) Cred {
	var c Cred
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &c)
	}
	return c
}

// Counts are what a client saw, written to its results file at the end.
type Counts struct {
	Calls         int `json:"calls"`
	FailedCalls   int `json:"failed_calls"`
	Refreshes     int `json:"refreshes"`
	BlankedWrites int `json:"blanked_writes"`
	LockTimeouts  int `json:"lock_timeouts"`
	LogoutReports int `json:"logout_reports"`
}

// Client is one agent process.
type Client struct {
	Endpoint string
	File     string // the shared credentials file
	Lock     bool   // the lock habit
	// Setup, when set, is the token from CLAUDE_CODE_OAUTH_TOKEN: the
	// client never refreshes and never touches the file.
	Setup    string
	Interval time.Duration // mean gap between inference calls
	Margin   time.Duration // refresh this long before expiry
	// LockWait is the jitter between lock attempts, LockStale the age
	// past which a lock is taken over; 5 retries, as claude.
	LockWait  [2]time.Duration
	LockStale time.Duration
	Until     time.Time
	Rand      *rand.Rand

	creds  OAuth
	family int
	counts Counts
	hc     http.Client
}

// Run makes calls until c.Until and returns the counts.
func (c *Client) Run() Counts {
	c.hc.Timeout = 10 * time.Second
	c.sleep(time.Duration(c.Rand.Int64N(int64(c.Interval) + 1)))
	if c.Setup == "" {
		c.adopt(ReadCred(c.File).OAuth)
	}
	for time.Now().Before(c.Until) {
		c.sleep(c.Interval/2 + time.Duration(c.Rand.Int64N(int64(c.Interval)+1)))
		if c.Setup != "" {
			c.infer(c.Setup)
			continue
		}
		if c.creds.AccessToken == "" || time.Now().UnixMilli() >= c.creds.ExpiresAt-c.Margin.Milliseconds() {
			if !c.renew() {
				// No token to make the call with: it fails, as the
				// user sees it.
				c.counts.Calls++
				c.counts.FailedCalls++
				continue
			}
		}
		if !c.infer(c.creds.AccessToken) {
			c.renew()
		}
	}
	return c.counts
}

func (c *Client) sleep(d time.Duration) {
	if left := time.Until(c.Until); d > left {
		d = left
	}
	if d > 0 {
		time.Sleep(d)
	}
}

func (c *Client) adopt(o OAuth) {
	c.creds = o
	if f := FamilyOf(o.AccessToken); f != 0 {
		c.family = f
	}
}

func usable(o OAuth, margin time.Duration) bool {
	return o.AccessToken != "" && o.RefreshToken != "" && time.Now().UnixMilli() < o.ExpiresAt-margin.Milliseconds()
}

// infer makes one inference call; false when it failed.
func (c *Client) infer(tok string) bool {
	c.counts.Calls++
	req, _ := http.NewRequest(http.MethodPost, c.Endpoint+"/v1/messages", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.counts.FailedCalls++
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.counts.FailedCalls++
		return false
	}
	return true
}

// renew gets a fresh access token; false when the call must wait.
func (c *Client) renew() bool {
	if c.Lock {
		release, err := c.acquire()
		if err != nil {
			c.counts.LockTimeouts++ // the call "fails with a retryable error"
			return false
		}
		defer release()
	}
	f := ReadCred(c.File).OAuth
	if usable(f, c.Margin) && f.AccessToken != c.creds.AccessToken {
		c.adopt(f) // another process refreshed
		return true
	}
	if f.RefreshToken == "" {
		c.logout()
		return false
	}
	t, err := c.refresh(f.RefreshToken)
	switch {
	case err == nil:
		c.counts.Refreshes++
		n := NewCred(t, time.Now())
		c.adopt(n.OAuth)
		_ = WriteCred(c.File, n)
		return true
	case errors.Is(err, errInvalidGrant):
		// The loser's damage: a logged-out stub over the shared file.
		c.counts.BlankedWrites++
		_ = WriteCred(c.File, Blanked())
		c.creds = OAuth{}
		return false
	default:
		return false
	}
}

var errInvalidGrant = errors.New("invalid_grant")

func (c *Client) refresh(rt string) (Tokens, error) {
	resp, err := c.hc.PostForm(c.Endpoint+"/v1/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if err != nil {
		return Tokens{}, err
	}
	defer resp.Body.Close()
	var t Tokens
	if resp.StatusCode == http.StatusBadRequest {
		return t, errInvalidGrant
	}
	if resp.StatusCode != http.StatusOK {
		return t, errors.New(resp.Status)
	}
	return t, json.NewDecoder(resp.Body).Decode(&t)
}

// logout reports the lost login and waits for the user's new one,
// reporting again while the file stays without one (a late loser can
// blank the new login too).
func (c *Client) logout() {
	c.counts.LogoutReports++
	report := func() {
		resp, err := c.hc.Post(c.Endpoint+"/lab/logout?family="+strconv.Itoa(c.family), "", nil)
		if err == nil {
			resp.Body.Close()
		}
	}
	report()
	for i := 1; time.Now().Before(c.Until); i++ {
		f := ReadCred(c.File).OAuth
		if usable(f, 0) && FamilyOf(f.AccessToken) > c.family {
			c.adopt(f)
			return
		}
		if i%20 == 0 {
			report()
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// acquire takes the directory lock beside the file, as claude's
// proper-lockfile does: mkdir, take over a stale one, 5 retries.
func (c *Client) acquire() (func(), error) {
	dir := filepath.Join(filepath.Dir(c.File), ".oauth_refresh.lock")
	for try := 0; ; try++ {
		err := os.Mkdir(dir, 0o700)
		if err == nil {
			return func() { _ = os.Remove(dir) }, nil
		}
		if !errors.Is(err, syscall.EEXIST) {
			return nil, err
		}
		if st, err := os.Stat(dir); err == nil && time.Since(st.ModTime()) > c.LockStale {
			_ = os.Remove(dir)
			continue
		}
		if try == 5 {
			return nil, errors.New("lock_timeout")
		}
		lo, hi := c.LockWait[0], c.LockWait[1]
		time.Sleep(lo + time.Duration(c.Rand.Int64N(int64(hi-lo)+1)))
	}
}
