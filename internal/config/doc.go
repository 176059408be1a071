// Package config is the one definition of every setting of the three
// programs: its variable, its flag, its default, how a value is read, and
// what a bad value does. claude-launch reads it from the environment;
// claude-auth-sync and t3-serve-launch derive their kong flags from it; all
// three read the same config file. Since one parser serves all three, a
// value that the launcher accepts is a value the fetch it starts accepts,
// and a typo is reported the same way everywhere.
//
// It protects against two failures. A typo must never stop an agent from
// starting or from getting its token: a bad value from the environment or
// the config file is one warning, and the setting keeps its default. And a
// setting must never be read two ways: a value like "" or "WARN" means the
// same to every program. A bad value typed as a flag is a usage error
// instead, since a person is there to fix it.
//
// Files: names.go (the variables and defaults), config.go (what is read),
// table.go (each setting's definition, static data), values.go (how a
// value is read), paths.go (default paths), load.go (the order of the
// sources), files.go (what the settings give the other packages: the
// lock, the negative cache, the resolver, the no-answer message).
//
// The package links only the standard library and packages token and
// memsize: it runs on the start-up path of every agent (docs/startup.md).
package config
