// Package launch holds what claude-launch and t3-serve-launch share around
// token resolution: finding the real program without finding the launcher
// itself, building the child's environment, the recursion guard, the exec,
// and the fetch on a miss through claude-auth-sync.
//
// Like package token it links only the standard library and this module's
// own packages: claude-launch runs it before every agent (docs/startup.md).
package launch
