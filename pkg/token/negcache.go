package token

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// Outcome is what a fetch that found no token learned.
type Outcome string

const (
	// OutcomeAbsent: Vault answered that there is no setup token. Believed
	// for Config.NegativeTTL.
	OutcomeAbsent Outcome = "absent"
	// OutcomeError: Vault could not be asked (unreachable, denied, timed
	// out). Believed for at most ErrorTTL, so that an outage does not cost
	// every launch the full timeout, and a recovery is noticed soon.
	OutcomeError Outcome = "error"
)

// ErrorTTL caps how long a failed look-up is remembered.
const ErrorTTL = 30 * time.Second

// NegativeCache remembers, in a small file beside the env file, that a
// look-up found no token, so that a user without a setup token does not pay
// a Vault round trip on every launch. The entry is keyed by Config.VaultKey:
// any change of where the token is looked up makes it stale.
type NegativeCache struct {
	Path string
	Key  string
	TTL  time.Duration
	Now  func() time.Time
}

// NewNegativeCache returns the negative cache of c.
func NewNegativeCache(c Config) *NegativeCache {
	return &NegativeCache{Path: c.NegativeCacheFile(), Key: c.VaultKey(), TTL: c.NegativeTTL, Now: time.Now}
}

// Fresh reports whether a recent look-up already found no token. Any
// problem reading the entry counts as not fresh: the cost of a wrong "no" is
// one look-up.
func (n *NegativeCache) Fresh() (bool, Outcome) {
	b, err := readPrivate(n.Path, "negative cache")
	if err != nil || len(b) > 4096 {
		return false, ""
	}
	key, rest, ok := strings.Cut(b, "\n")
	if !ok || key != n.Key {
		return false, ""
	}
	kind, at, ok := strings.Cut(strings.TrimSpace(rest), " ")
	ns, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil {
		return false, ""
	}
	ttl := n.TTL
	outcome := Outcome(kind)
	switch outcome {
	case OutcomeAbsent:
	case OutcomeError:
		ttl = min(ttl, ErrorTTL)
	default:
		return false, ""
	}
	age := n.Now().Sub(time.Unix(0, ns))
	if age < -time.Minute || age >= ttl { // far in the future: a clock jump
		return false, ""
	}
	return true, outcome
}

// Record remembers outcome as of now.
func (n *NegativeCache) Record(o Outcome) error {
	data := n.Key + "\n" + string(o) + " " + strconv.FormatInt(n.Now().UnixNano(), 10) + "\n"
	if err := writeAtomic(n.Path, []byte(data)); err != nil {
		return wrap("record negative result: ", err, "")
	}
	return nil
}

// Clear forgets any recorded outcome.
func (n *NegativeCache) Clear() error {
	if err := os.Remove(n.Path); err != nil && !os.IsNotExist(err) {
		return wrap("clear negative result: ", err, "")
	}
	return nil
}
