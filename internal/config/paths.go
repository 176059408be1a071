package config

import "path/filepath"

// DefaultEnvFile is ${XDG_CONFIG_HOME:-$HOME/.config}/claude-auth-sync/claude-oauth.env, or "" when
// neither variable gives an absolute path.
func DefaultEnvFile(getenv func(string) string) string {
	return underHome(getenv, "XDG_CONFIG_HOME", ".config", "claude-auth-sync", "claude-oauth.env")
}

// DefaultStateDir is ${XDG_STATE_HOME:-$HOME/.local/state}/claude-auth-sync, or "" likewise.
func DefaultStateDir(getenv func(string) string) string {
	return underHome(getenv, "XDG_STATE_HOME", ".local/state", "claude-auth-sync", "")
}

// DefaultConfigFile is ${XDG_CONFIG_HOME:-$HOME/.config}/claude-launch/config, or "" likewise.
func DefaultConfigFile(getenv func(string) string) string {
	return underHome(getenv, "XDG_CONFIG_HOME", ".config", "claude-launch", "config")
}

// underHome is ${xdg:-$HOME/fallback}/dir/file, or "" when neither gives an absolute path (the XDG
// spec says to ignore a relative one). With xdg HOME, it is $HOME/dir/file.
func underHome(getenv env, xdg, fallback, dir, file string) string {
	base := getenv(xdg)
	if !filepath.IsAbs(base) {
		home := getenv("HOME")
		if !filepath.IsAbs(home) {
			return ""
		}
		base = filepath.Join(home, fallback)
	}
	return filepath.Join(base, dir, file)
}
