// Package creds guards the rotating login of a user who has no setup token:
// claude's own ~/.claude/.credentials.json, which concurrent agents race to
// refresh. It judges the file (Check), keeps the last valid states (backups)
// and puts the newest back when a lost race damaged it (Guard), taking
// claude's own refresh lock first and never renaming over a file that
// changed while it was read.
//
// It never touches the file of a user whose agents run on a setup token:
// the caller decides that, and must not call Guard then. It returns what it
// found and did; it never logs or exits.
package creds
