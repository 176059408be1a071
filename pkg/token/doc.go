// Package token resolves a user's Claude Code setup token and reads it safely
// from disk (what writes is in internal/store). It links only the standard
// library: it runs before every agent (docs/startup.md).
package token
