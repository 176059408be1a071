package token

import (
	"strconv"
	"strings"
	"time"
)

// Outcome is what a look-up that found no token learned.
type Outcome string

const (
	OutcomeAbsent Outcome = "absent" // Vault answered that there is no setup token; believed for the TTL
	OutcomeError  Outcome = "error"  // Vault gave no answer it could stand behind; believed for at most ErrorTTL
)

// ErrorTTL caps how long a failed look-up is remembered.
const ErrorTTL = 30 * time.Second

// NegativeCache is a file beside the env file that remembers a look-up that
// found no token, keyed by every setting that locates it; package store writes it.
type NegativeCache struct {
	Path string
	Key  string
	TTL  time.Duration
	Now  func() time.Time
}

// Fresh reports whether a recent look-up already found no token; an entry it cannot read is not fresh.
func (n *NegativeCache) Fresh() (bool, Outcome) {
	b, err := ReadSmallFile(n.Path, "negative cache", Private, "")
	key, rest, ok := strings.Cut(b, "\n")
	if err != nil || len(b) > 4096 || !ok || key != n.Key {
		return false, ""
	}
	kind, at, ok := strings.Cut(strings.TrimSpace(rest), " ")
	ns, err := strconv.ParseInt(at, 10, 64)
	ttl, outcome := n.TTL, Outcome(kind)
	if outcome == OutcomeError {
		ttl = min(ttl, ErrorTTL)
	}
	age := n.now().Sub(time.Unix(0, ns)) // below -1m: written in the future, a clock jump
	if !ok || err != nil || outcome != OutcomeAbsent && outcome != OutcomeError || age < -time.Minute || age >= ttl {
		return false, ""
	}
	return true, outcome
}

// Entry is the file content that records o as of now.
func (n *NegativeCache) Entry(o Outcome) []byte {
	return []byte(n.Key + "\n" + string(o) + " " + strconv.FormatInt(n.now().UnixNano(), 10) + "\n")
}

func (n *NegativeCache) now() time.Time {
	if n.Now == nil {
		return time.Now()
	}
	return n.Now()
}
