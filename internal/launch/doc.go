// Package launch holds what the launchers share: finding the real program, the
// child's environment, the recursion guard, the exec and the fetch on a miss.
// It links only the standard library and this module (docs/startup.md).
package launch
