// Package creds guards claude's rotating login (~/.claude/.credentials.json) of
// a user without a setup token: it judges the file (Check), keeps backups and
// puts the newest back over a lost refresh race's damage (Guard).
package creds
