#!/bin/bash
# What claude-launch replaces: source the env file, exec claude.
envfile="${XDG_CONFIG_HOME:-$HOME/.config}/claude-auth-sync/claude-oauth.env"
if [ -r "$envfile" ]; then set -a; . "$envfile"; set +a; fi
exec "$CLAUDE_LAUNCH_CLAUDE" "$@"
