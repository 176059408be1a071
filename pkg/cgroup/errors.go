package cgroup

import "fmt"

// wrap returns an error reading prefix, err's text, then suffix (the hint
// that says what to do), that unwraps to err.
func wrap(prefix string, err error, suffix string) error {
	return fmt.Errorf("%s%w%s", prefix, err, suffix)
}
