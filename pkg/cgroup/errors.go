package cgroup

// wrapped is what fmt.Errorf("…%w…") builds, with a suffix: the hint that
// says what to do.
type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }

// wrap returns an error reading prefix, err's text, then suffix, that
// unwraps to err.
func wrap(prefix string, err error, suffix string) error {
	return &wrapped{msg: prefix + err.Error() + suffix, err: err}
}
