// Package config is the one definition of every setting of the three programs: its variable, flag,
// default, parser, and what a bad value does. claude-launch reads it from the environment, the
// others derive their kong flags from it, and all three read the same config file, so a value means
// the same everywhere. A bad value from the environment or the file is a warning and keeps the
// default (a typo never stops an agent); a bad flag is a usage error (docs/configuration.md).
//
// It links only the standard library, token and memsize: it runs on the start-up path of every agent
// (docs/startup.md).
package config
