package kernfile

import (
	"os"
	"testing"
)

func TestParseStat(t *testing.T) {
	st, ok := ParseStat("42 (we ird) (name) S 7 42 42 34816 42 4194560 1 2 3 4 5 6 7 8 20 0 1 0 12345 1000 10")
	if !ok || st.State != "S" || st.PPID != 7 || st.TTY != 34816 || st.Start != 12345 {
		t.Errorf("ParseStat = %+v, %v", st, ok)
	}
	if _, ok := ParseStat("42 (short) S 7"); ok {
		t.Error("a short line parsed")
	}
	self, err := ReadStat(0)
	if err != nil || self.PPID != os.Getppid() {
		t.Errorf("ReadStat(self) = %+v, %v; want ppid %d", self, err, os.Getppid())
	}
}

func TestSameCgroup(t *testing.T) {
	for _, tc := range []struct {
		dir, rel string
		want     bool
	}{
		{"/sys/fs/cgroup/a.service/agents", "/a.service/agents", true},
		{"/sys/fs/cgroup/xa.service/agents", "/a.service/agents", false},
		{"/sys/fs/cgroup/a.service/agents", "a.service/agents", false},
		{"/sys/fs/cgroup/a.service/agents", "/", false},
	} {
		if got := SameCgroup(tc.dir, tc.rel); got != tc.want {
			t.Errorf("SameCgroup(%q, %q) = %v", tc.dir, tc.rel, got)
		}
	}
}
