// Package errs builds wrapped errors without fmt, for the packages on the
// per-launch path, which does not link it (docs/startup.md).
// Messages are joined from parts that never include a secret.
package errs

// wrapped is what fmt.Errorf("…%w…") builds.
type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }

// Wrap returns an error reading prefix, err's text, then suffix, that
// unwraps to err: Wrap("read x: ", err, "") is fmt.Errorf("read x: %w", err).
func Wrap(prefix string, err error, suffix string) error {
	return &wrapped{msg: prefix + err.Error() + suffix, err: err}
}
