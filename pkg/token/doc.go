// Package token resolves a user's long-lived Claude Code setup token and
// reads it safely from disk: the Secret type that never prints its value, the
// env file, the resolution order, the negative cache and the user's Vault
// token. It links only the standard library: it runs before every agent
// (docs/startup.md). What writes is in internal/store.
package token
