package config

import "path/filepath"

// DefaultEnvFile is ${XDG_CONFIG_HOME:-$HOME/.config}/claude-auth-sync/
// claude-oauth.env, or "" when neither variable gives an absolute path.
func DefaultEnvFile(getenv func(string) string) string {
	return underConfigHome(getenv, "claude-auth-sync", "claude-oauth.env")
}

// DefaultStateDir is ${XDG_STATE_HOME:-$HOME/.local/state}/
// claude-auth-sync, or "" when neither variable gives an absolute path.
func DefaultStateDir(getenv func(string) string) string {
	base := getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(base) {
		home := getenv("HOME")
		if !filepath.IsAbs(home) {
			return ""
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "claude-auth-sync")
}

// DefaultConfigFile is ${XDG_CONFIG_HOME:-$HOME/.config}/claude-launch/
// config, or "" when neither variable gives an absolute path.
func DefaultConfigFile(getenv func(string) string) string {
	return underConfigHome(getenv, "claude-launch", "config")
}

func underConfigHome(getenv func(string) string, dir, file string) string {
	base := getenv("XDG_CONFIG_HOME")
	if !filepath.IsAbs(base) { // the XDG spec says to ignore a relative one
		home := getenv("HOME")
		if !filepath.IsAbs(home) {
			return ""
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, dir, file)
}
