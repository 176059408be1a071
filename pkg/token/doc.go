// Package token resolves a user's long-lived Claude Code setup token and
// keeps it safe on disk.
//
// Every Claude Code process that shares one rotating OAuth credential races
// to refresh it, and the losers log the user out. A non-rotating setup token
// in CLAUDE_CODE_OAUTH_TOKEN removes the race. This package holds the parts
// every launcher shares: the Secret type that never prints its value, the env
// file (parse, refuse when unsafe, atomic write), the resolution order (kill
// switch, env file, a fetch on a miss, nothing), the lock that lets one of
// many concurrent launchers fetch, and the negative cache that spares a user
// without a setup token a Vault round trip on every launch.
//
// The package links only the standard library and golang.org/x/sys/unix: it
// runs on the start-up path of every agent, where package initialisation
// costs time. Vault access lives in package vault.
package token
