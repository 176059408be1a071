// Package errs builds wrapped errors without fmt.
//
// The per-launch path (packages token and launch, and claude-launch) does
// not link fmt: its formatting machinery and the reflection behind it are
// start-up cost that every agent would pay for messages that are almost
// never printed. Messages are joined from parts that never include a
// secret.
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

// Text is an error whose message is built at run time.
type Text string

func (e Text) Error() string { return string(e) }
