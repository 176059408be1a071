package token

import "strconv"

// wrapped is what fmt.Errorf("…%w…") builds, without fmt (off the per-launch path).
type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }

// wrap returns an error reading prefix, err's text, then suffix, that unwraps to err.
func wrap(prefix string, err error, suffix string) error {
	return &wrapped{msg: prefix + err.Error() + suffix, err: err}
}

// Octal formats a mode's permission bits as chmod takes them: 0644, 1777.
func Octal(mode uint32) string {
	return strconv.FormatUint(uint64(mode&0o7777|0o10000), 8)[1:]
}
