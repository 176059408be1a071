// Command claude-launch is a drop-in for claude: it hands every argument to
// the real claude unchanged and execs it with CLAUDE_CODE_OAUTH_TOKEN set
// from the user's own setup token, so that agents stop racing to refresh one
// shared rotating credential. With nothing configured claude gets exactly
// the environment it would have had.
//
// It has no command line of its own; settings come from CLAUDE_LAUNCH_*
// variables and the config file. It runs before every agent, so it links
// neither kong, nor a logging library, nor the Vault client
// (docs/startup.md); on a miss it runs claude-auth-sync, which has them.
package main

import (
	"os"

	"github.com/claude-launch/claude-launch/internal/launch"
)

func main() {
	os.Exit(run(os.Args[1:], launch.Environ(), os.Stderr, launch.SysExec))
}
