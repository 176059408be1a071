package main

import (
	"context"
	"encoding/json"
	"io"

	"github.com/claude-launch/claude-launch/internal/config"
)

// StatusCmd says what the next claude will use and whether it is healthy.
type StatusCmd struct {
	JSON bool `name:"json" help:"Print the status as JSON, for scripts."`
}

// Run gathers the status, prints it, and fails unless healthy.
func (s *StatusCmd) Run(cfg *config.Config, stdout io.Writer) error {
	st := gatherStatus(context.Background(), cfg)
	if s.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(st); err != nil {
			return err
		}
	} else {
		printStatus(stdout, st)
	}
	if !st.Healthy {
		return errReported
	}
	return nil
}
