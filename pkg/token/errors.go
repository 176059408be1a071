package token

import (
	"strconv"

	"github.com/claude-launch/claude-launch/pkg/errs"
)

// wrap is errs.Wrap: fmt.Errorf's %w without fmt.
func wrap(prefix string, err error, suffix string) error { return errs.Wrap(prefix, err, suffix) }

// octal formats a permission as ls and chmod show it: 0644.
func octal(perm uint32) string {
	s := strconv.FormatUint(uint64(perm), 8)
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
