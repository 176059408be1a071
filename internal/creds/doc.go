// Package creds guards the rotating login of a user without a setup token,
// claude's ~/.claude/.credentials.json: it judges the file (Check), keeps
// backups of its valid states and puts the newest back over a lost race's
// damage (Guard), under claude's own refresh lock. The caller must not call
// Guard for a user on a setup token. It never logs or exits.
package creds
