package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/claude-launch/claude-launch/pkg/token"
)

// StateFile is the name of claude-auth-sync's state file in its state directory.
const StateFile = "state.json"

// State is what claude-auth-sync remembers between runs: what it last fetched, when it last succeeded, and the metrics' counters (which only grow).
type State struct {
	Version      int         `json:"version"`               // of this format
	Token        *TokenState `json:"setup_token,omitempty"` // the env file's setup token, nil when none
	LastSuccess  time.Time   `json:"last_success,omitzero"` // when a sync last ended well
	SyncFailures uint64      `json:"sync_failures_total"`   // failed syncs
	Restores     uint64      `json:"restores_total"`        // damaged logins put back from a backup
}

// TokenState describes a fetched setup token, never holding it.
type TokenState struct {
	Fingerprint   string    `json:"fingerprint"`
	SecretVersion int       `json:"secret_version,omitempty"` // the KV v2 version, 0 on KV v1
	FetchedAt     time.Time `json:"fetched_at"`
	ExpiresAt     time.Time `json:"expires_at,omitzero"`     // zero if unknown
	ExpirySource  string    `json:"expiry_source,omitempty"` // how ExpiresAt was learned
}

const stateVersion = 1 // the format written

// ParseState reads a state file's content. An empty file is a fresh state.
func ParseState(data []byte) (State, error) {
	var s State
	if len(bytes.TrimSpace(data)) == 0 {
		return State{Version: stateVersion}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return State{}, err
	}
	if s.Version != stateVersion {
		return State{}, fmt.Errorf("version %d, not %d", s.Version, stateVersion)
	}
	return s, nil
}

// UpdateState lets change modify the state file at path under a lock (ctx bounds the wait), so concurrent syncs
// keep each other's counts. One that does not parse is set aside as path.corrupt and a fresh state begins; warn says so.
func UpdateState(ctx context.Context, path string, change func(*State) error) (warn error, err error) {
	if err := EnsureDir(filepath.Dir(path), StateHint); err != nil {
		return nil, err
	}
	unlock, err := Lock(ctx, path+".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	s, err := LoadState(path)
	if err != nil {
		s, warn = State{Version: stateVersion}, fmt.Errorf("%w; set aside as %s.corrupt, starting afresh (counters restart from 0)",
			err, filepath.Base(path))
		if rerr := os.Rename(path, path+".corrupt"); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			warn = fmt.Errorf("%w; starting afresh (could not set it aside: %w)", err, rerr)
		}
	}
	if err := change(&s); err != nil {
		return warn, err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return warn, err
	}
	return warn, WriteAtomic(path, append(data, '\n'))
}

// LoadState reads the state file at path; a missing one is a fresh state.
func LoadState(path string) (State, error) {
	data, err := token.ReadSmallFile(path, "state file", token.Private, "")
	if err != nil && !errors.Is(err, fs.ErrNotExist) { // a missing file reads as "": a fresh state
		return State{}, err
	}
	s, err := ParseState([]byte(data))
	if err != nil {
		return State{}, fmt.Errorf("state file %s: %w", path, err)
	}
	return s, nil
}
