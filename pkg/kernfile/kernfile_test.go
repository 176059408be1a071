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

func TestParseCgroups(t *testing.T) {
	for in, want := range map[string][2]string{
		"12:memory:/user.slice/s-3.scope\n11:cpu,cpuacct:/user.slice\n1:name=systemd:/user.slice\n0::/user.slice/s-3.scope\n": {
			"/user.slice/s-3.scope", "/user.slice/s-3.scope"},
		"0::/system.slice/t3.scope\n": {"/system.slice/t3.scope", ""},
		"4:memory:/a/b\n3:pids:/a\n":  {"", "/a/b"},
		"4:cpu,memory,pids:/a/b\n":    {"", "/a/b"},
		"4:memory.fake:/a/b\n0::/c\n": {"/c", ""},
	} {
		if v2, v1 := ParseCgroups(in); v2 != want[0] || v1 != want[1] {
			t.Errorf("ParseCgroups(%q) = %q, %q; want %q", in, v2, v1, want)
		}
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
