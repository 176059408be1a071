// Command floor is the benchmark's floor: a Go program that does nothing
// but exec its target, the least any Go launcher can cost.
package main

import (
	"os"
	"syscall"
)

func main() {
	_ = syscall.Exec(os.Getenv("CLAUDE_LAUNCH_CLAUDE"), os.Args, os.Environ())
	os.Exit(126)
}
