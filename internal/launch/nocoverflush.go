//go:build !coverflush

package launch

// beforeExec does nothing in a normal build (see coverflush.go).
func beforeExec() {}
