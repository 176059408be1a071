// Package store writes what package token reads: the env file (atomically,
// 0600), the negative cache, and the lock that lets one of many concurrent
// callers ask Vault; Sync ties them together.
//
// It is kept apart from package token so that the per-launch program,
// which only reads, cannot link it by accident (docs/startup.md);
// claude-auth-sync and t3-serve-launch link it.
//
// Nothing here changes a file it does not own: a directory is created, and
// made private, only when it does not exist yet; an existing one is used as
// it is, or refused when others could swap the files inside it.
package store
