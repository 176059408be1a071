package token

import "errors"

var (
	// ErrInsecureFile means a file that holds, or would hold, a token is unsafe: a symlink, not regular, another user's, open to others.
	ErrInsecureFile = errors.New("insecure file")
	// ErrNoToken means the place looked at holds no setup token: an answer, not a failure.
	ErrNoToken = errors.New("no setup token")
	// ErrChanged means a file grew while it was read: refused, never used truncated.
	ErrChanged = errors.New("the file changed while it was read")
)

// wrapped is what fmt.Errorf("…%w…") builds.
type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }

// Wrap returns an error reading prefix, err's text, then suffix, that unwraps to err:
// Wrap("read x: ", err, "") is fmt.Errorf("read x: %w", err), without fmt. Never pass a secret.
func Wrap(prefix string, err error, suffix string) error {
	return &wrapped{msg: prefix + err.Error() + suffix, err: err}
}
