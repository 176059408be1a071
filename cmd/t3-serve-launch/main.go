// Command t3-serve-launch starts t3-serve with the user's setup token under memory caps, so that a
// runaway agent child is OOM-killed alone while the server keeps serving (docs/t3-serve.md). Run by
// hand, it first moves itself into a capped transient scope; as t3-serve@.service, the unit has the caps.
package main

import (
	"os"
	"path/filepath"

	"github.com/claude-launch/claude-launch/internal/cli"
	"github.com/claude-launch/claude-launch/internal/config"
	"github.com/claude-launch/claude-launch/internal/launch"
)

func main() {
	if filepath.Base(os.Args[0]) == watchName {
		os.Exit(runWatch())
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	var c CLI
	_, cfg, problems, ok := cli.Parse(&c, config.ForT3, "t3-serve-launch",
		"Start t3-serve with your setup token, under memory caps, so that a runaway agent dies alone.", args)
	if !ok {
		return launch.ExitUsage
	}
	if c.Pane != "" {
		return runPane(&cfg, problems, c.Pane, c.Args)
	}
	logger := cli.NewLogger("t3-serve-launch", cfg.LogLevel)
	forks, err := subscribe(logger) // before anything else, since it may start this program again
	if err != nil {
		logger.Error("refusing to start t3-serve with capabilities: " + err.Error())
		return launch.ExitRefused
	}
	cli.Warn(logger, problems)
	code, err := c.Run(&cfg, logger, forks)
	if err != nil {
		logger.Error(err.Error())
	}
	return code
}
