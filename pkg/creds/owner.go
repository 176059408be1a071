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
)

// ClaudeLockOwner is the file beside claude's refresh lock that names the
// process holding it, as the installed CLI (2.1.332) writes it:
// {"pid", "procStart" (the process's start time in clock ticks, field 22
// of /proc/PID/stat), "pidDomain" ("linux:<machine id>:pid:[<pid namespace
// inode>]", the machine id being /etc/machine-id's), "lockBirthtimeMs", …}.
const ClaudeLockOwner = ClaudeLockName + ".owner"

// Lock is what claude's refresh lock of a config dir says: whether it is
// held, since when (its mtime, refreshed every 5 s while a live claude
// holds it), and whether its holder is provably gone.
type Lock struct {
	Path string
	Held bool
	// MTime is the lock's mtime; Future says it is ahead of the clock by
	// more than a heartbeat (a lock claude would never see as stale).
	MTime  time.Time
	Future bool
	// PID is the holder's, from the owner file (0 without one); Dead says
	// that process is provably gone: the owner file names this machine
	// and PID namespace, and the PID is unused or started at another
	// time (reused).
	PID  int
	Dead bool
}

// Stale says the lock may be broken under claude's own rules: older than
// ClaudeLockStale, and its holder provably dead. A lock whose holder
// cannot be told (no owner file, another machine's or namespace's) is
// never stale to us, whatever its age.
func (l Lock) Stale(now time.Time) bool {
	return l.Held && l.Dead && now.Sub(l.MTime) > ClaudeLockStale
}

// Problem says what is wrong with the lock and what to do, "" when
// nothing is: not held, or held by a live claude within the stale time.
func (l Lock) Problem(now time.Time) string {
	if !l.Held {
		return ""
	}
	rm := "rmdir " + l.Path + " && rm -f " + filepath.Join(filepath.Dir(l.Path), ClaudeLockOwner)
	holder := "no owner file says who holds it"
	if l.PID > 0 {
		holder = "its holder, process " + strconv.Itoa(l.PID) + ", "
		if l.Dead {
			holder += "is gone"
		} else {
			holder += "is still running"
		}
	}
	switch {
	case l.Future:
		return "claude's refresh lock " + l.Path + " is dated " + l.MTime.UTC().Format(time.RFC3339) + ", in the future, and " + holder +
			": no claude may refresh until it is removed (claude-code #95739); if no claude is refreshing now, run `" + rm + "`"
	case l.Stale(now):
		return "claude's refresh lock " + l.Path + " was left " + now.Sub(l.MTime).Round(time.Second).String() + " ago, and " + holder +
			": `claude-auth-sync sync` clears it, or run `" + rm + "`"
	case now.Sub(l.MTime) > ClaudeLockStale && !l.Dead:
		return "claude's refresh lock " + l.Path + " is " + now.Sub(l.MTime).Round(time.Second).String() + " old, and " + holder +
			"; if no claude is refreshing now, run `" + rm + "`"
	}
	return ""
}

// InspectLock reads claude's refresh lock of dir and its owner file.
func InspectLock(dir string) (Lock, error) {
	l := Lock{Path: filepath.Join(dir, ClaudeLockName)}
	fi, err := os.Lstat(l.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return l, err
	}
	l.Held, l.MTime = true, fi.ModTime()
	l.Future = time.Until(l.MTime) > 10*time.Second
	l.PID, l.Dead = owner(filepath.Join(dir, ClaudeLockOwner))
	return l, nil
}

// owner reads an owner file: the holder's PID, and whether it is provably
// dead on this machine.
func owner(path string) (pid int, dead bool) {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 4096 {
		return 0, false
	}
	var o struct {
		PID       int    `json:"pid"`
		ProcStart string `json:"procStart"`
		PIDDomain string `json:"pidDomain"`
	}
	if json.Unmarshal(b, &o) != nil || o.PID <= 0 {
		return 0, false
	}
	if o.PIDDomain != pidDomain() {
		return o.PID, false // another machine's or namespace's: cannot tell
	}
	start, ok := procStart(o.PID)
	return o.PID, !ok || start != o.ProcStart
}

// pidDomain is this process's pidDomain, as claude writes it: the
// machine id and the PID namespace. (A reboot reuses both; procStart
// tells the processes apart.)
func pidDomain() string {
	id, err := os.ReadFile("/etc/machine-id")
	if err != nil {
		if id, err = os.ReadFile("/var/lib/dbus/machine-id"); err != nil {
			return ""
		}
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	return "linux:" + strings.TrimSpace(string(id)) + ":" + ns
}

// procStart is field 22 of /proc/PID/stat (start time, clock ticks after
// boot); ok is false when there is no such process.
func procStart(pid int) (string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", false
	}
	f := strings.Fields(s[i+1:]) // field 3 onward
	if len(f) < 20 {
		return "", false
	}
	return f[19], true
}
