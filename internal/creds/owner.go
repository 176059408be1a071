package creds

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/claude-launch/claude-launch/pkg/kernfile"
)

// ClaudeLockOwner is the file beside claude's refresh lock that names the
// process holding it, as the installed CLI (2.1.332) writes it:
// {"pid", "procStart" (the process's start time in clock ticks, field 22
// of /proc/PID/stat), "pidDomain" ("linux:<machine id>:pid:[<pid namespace
// inode>]", the machine id being /etc/machine-id's), "lockBirthtimeMs", …}.
const ClaudeLockOwner = ClaudeLockName + ".owner"

// Holders of a lock, as the owner file tells them.
const (
	HolderDead    = "dead"    // provably gone: safe to take over
	HolderAlive   = "alive"   // running: a refresh may be under way
	HolderUnknown = "unknown" // no owner file, or another machine's or PID namespace's
)

// Lock is what claude's refresh lock of a config dir says: whether it is
// held, since when (its mtime, refreshed every 5 s while a live claude
// holds it), and whether its holder is provably gone.
type Lock struct {
	Path string
	Held bool
	// MTime is the lock's mtime; Future says it is ahead of the clock by
	// more than a heartbeat (a lock claude never sees as stale by time).
	MTime  time.Time
	Future bool
	// PID is the holder's, from the owner file (0 without one); Holder is
	// HolderDead only when the owner file names this machine and PID
	// namespace and the PID is unused or started at another time
	// (reused); HolderUnknown when it cannot be told.
	PID    int
	Holder string
	// Legacy is the legacy lock <realpath(dir)>.lock, which older claudes
	// take alone; LegacyMTime its mtime when held.
	Legacy      string
	LegacyHeld  bool
	LegacyMTime time.Time
}

// Dead says the holder is provably gone.
func (l Lock) Dead() bool { return l.Holder == HolderDead }

// Stale says the lock may be broken under claude's own rules: older than
// ClaudeLockStale, and its holder provably dead. A lock whose holder
// cannot be told is never stale to us, whatever its age. (claude itself
// takes a dead holder's lock over sooner; the guard is the more careful.)
func (l Lock) Stale(now time.Time) bool {
	return l.Held && l.Dead() && now.Sub(l.MTime) > ClaudeLockStale
}

// Problem says what is wrong with the lock and what to do, "" when
// nothing is: not held, held by a live claude within the stale time, or
// left by a dead holder that the next claude takes over by itself.
func (l Lock) Problem(now time.Time) string {
	if !l.Held {
		if l.LegacyHeld && now.Sub(l.LegacyMTime) > ClaudeLockStale {
			return "claude's legacy refresh lock " + l.Legacy + " (an older claude's) is " + now.Sub(l.LegacyMTime).Round(time.Second).String() +
				" old, with no owner file to say who holds it; if no claude is refreshing now, run `rmdir " + l.Legacy + "`"
		}
		return ""
	}
	rm := "rmdir " + l.Path + " && rm -f " + filepath.Join(filepath.Dir(l.Path), ClaudeLockOwner)
	holder := map[string]string{
		HolderDead:    "its holder, process " + strconv.Itoa(l.PID) + ", is gone",
		HolderAlive:   "its holder, process " + strconv.Itoa(l.PID) + ", is still running",
		HolderUnknown: "nothing here can tell whether its holder lives (no owner file, or another machine's or PID namespace's)",
	}[l.Holder]
	age := now.Sub(l.MTime)
	switch {
	case l.Dead() && !l.Stale(now):
		return "" // the next claude takes it over, dated ahead or not (measured: 8-10 s)
	case l.Stale(now):
		return "claude's refresh lock " + l.Path + " was left " + age.Round(time.Second).String() + " ago, and " + holder +
			": `claude-auth-sync sync` clears it, or run `" + rm + "`"
	case l.Future:
		return "claude's refresh lock " + l.Path + " is dated " + l.MTime.UTC().Format(time.RFC3339) + ", in the future, and " + holder +
			": no claude may refresh until it is removed (claude-code #95739); if no claude is refreshing now, run `" + rm + "`"
	case age > ClaudeLockStale:
		return "claude's refresh lock " + l.Path + " is " + age.Round(time.Second).String() + " old, and " + holder +
			"; if no claude is refreshing now, run `" + rm + "`"
	}
	return ""
}

// InspectLock reads claude's refresh locks of dir and the owner file.
func InspectLock(dir string) (Lock, error) {
	l := Lock{Path: filepath.Join(dir, ClaudeLockName), Legacy: legacyLock(dir), Holder: HolderUnknown}
	if fi, err := os.Lstat(l.Legacy); err == nil {
		l.LegacyHeld, l.LegacyMTime = true, fi.ModTime()
	}
	fi, err := os.Lstat(l.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return l, err
	}
	l.Held, l.MTime = true, fi.ModTime()
	l.Future = time.Until(l.MTime) > 10*time.Second
	l.PID, l.Holder = owner(filepath.Join(dir, ClaudeLockOwner))
	return l, nil
}

// legacyLock is the lock older claudes take: <realpath(dir)>.lock.
func legacyLock(dir string) string {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		return real + ".lock"
	}
	return filepath.Clean(dir) + ".lock"
}

// owner reads an owner file: the holder's PID, and what can be told of it
// here, under the rules claude applies (the same machine and PID
// namespace, the same process start).
func owner(path string) (pid int, holder string) {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 4096 {
		return 0, HolderUnknown
	}
	var o struct {
		PID       int    `json:"pid"`
		ProcStart string `json:"procStart"`
		PIDDomain string `json:"pidDomain"`
		PIDSpace  string `json:"pidSpace"`
	}
	if json.Unmarshal(b, &o) != nil || o.PID <= 0 {
		return 0, HolderUnknown
	}
	ns := pidNamespace()
	if o.PIDDomain != pidDomain(ns) || o.PIDSpace != "" && !strings.HasSuffix(o.PIDSpace, "#"+ns) {
		return o.PID, HolderUnknown // another machine's or namespace's
	}
	if start, ok := procStart(o.PID); ok && start == o.ProcStart {
		return o.PID, HolderAlive
	}
	return o.PID, HolderDead
}

// pidNamespace is this process's PID namespace, as /proc names it
// ("pid:[4026531836]").
func pidNamespace() string {
	ns, _ := os.Readlink("/proc/self/ns/pid")
	return ns
}

// pidDomain is this process's pidDomain, as claude writes it: the
// machine id and the PID namespace. (A reboot reuses both; procStart
// tells the processes apart.)
func pidDomain(ns string) string {
	id, err := os.ReadFile("/etc/machine-id")
	if err != nil {
		if id, err = os.ReadFile("/var/lib/dbus/machine-id"); err != nil {
			return ""
		}
	}
	if ns == "" {
		return ""
	}
	return "linux:" + strings.TrimSpace(string(id)) + ":" + ns
}

// procStart is field 22 of /proc/PID/stat (start time, clock ticks after
// boot); ok is false when there is no such process.
func procStart(pid int) (string, bool) {
	st, err := kernfile.ReadStat(pid)
	return strconv.FormatInt(st.Start, 10), err == nil
}
