// Command claude-launch is a drop-in for claude: it execs the real claude with every argument
// unchanged and CLAUDE_CODE_OAUTH_TOKEN set from the user's own setup token, so that agents stop
// racing to refresh one shared rotating login; with nothing configured claude's environment is
// unchanged. Settings come from CLAUDE_LAUNCH_* variables and the config file; it links no kong,
// logging library or Vault client (docs/startup.md): on a miss it runs claude-auth-sync.
package main

import (
	"os"

	"github.com/claude-launch/claude-launch/internal/launch"
)

func main() {
	os.Exit(run(os.Args[1:], launch.Environ(), os.Stderr, launch.SysExec))
}
