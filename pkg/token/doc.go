// Package token resolves a user's long-lived Claude Code setup token and
// reads it safely from disk.
//
// Every Claude Code process that shares one rotating OAuth credential races
// to refresh it, and the losers log the user out. A non-rotating setup token
// in CLAUDE_CODE_OAUTH_TOKEN removes the race. This package holds what
// every launcher reads: the Secret type that never prints its value, the
// env file (parsed, refused when unsafe), the resolution order (kill
// switch, env file, a fetch on a miss, nothing), the negative cache that
// spares a user without a setup token a Vault round trip on every launch,
// and the user's Vault token. What writes (the env file's atomic write,
// the lock that lets one of many launchers fetch) is in the product's
// internal/store, which the per-launch program does not link.
//
// The package links only the standard library, since it runs before every
// agent (docs/startup.md). Vault access is elsewhere.
package token
