package memsize

import (
	"syscall"
	"testing"
)

func TestSizes(t *testing.T) {
	for in, want := range map[string]uint64{"0": 0, "12G": 12 << 30, "16g": 16 << 30, "64M": 64 << 20, "1T": 1 << 40, "4096": 4096, "max": Unlimited, "infinity": Unlimited} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
		if back, _ := Parse(Format(got)); back != got {
			t.Errorf("Format(%d) = %q does not parse back", got, Format(got))
		}
	}
	// Percentages, as systemd takes them: of the physical memory.
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		t.Fatal(err)
	}
	total := uint64(si.Totalram) * uint64(si.Unit)
	for in, want := range map[string]uint64{"50%": total / 2, "100%": total, "0%": 0} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "12GB", "-1", "1.5G", "G", "99999999999999999999T", "101%", "-5%", "%", "50 %"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
}
