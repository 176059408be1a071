// Package launch holds what the launchers share around token resolution:
// finding the real program (never a launcher), the child's environment, the
// recursion guard, the exec, and the fetch on a miss through claude-auth-sync.
// It links only the standard library and this module: it runs before every
// agent (docs/startup.md).
package launch
