#!/usr/bin/env bash
# Installs the Claude Agent SDK from npm once into a cache outside the
# checkout, keyed by version, and prints the directory to import it from
# (its node_modules/@anthropic-ai/claude-agent-sdk). T3 Code starts claude
# through it; the stand-in server of cmd/t3-serve-launch's tests does too.
set -euo pipefail

version="${CLAUDE_AGENT_SDK_VERSION:-0.3.333}"
cache="${CLAUDE_LAUNCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claude-launch}"
dir="$cache/claude-agent-sdk-$version"
pkg="$dir/node_modules/@anthropic-ai/claude-agent-sdk"

if [[ -f "$pkg/package.json" ]]; then
	echo "$pkg"
	exit 0
fi

mkdir -p "$dir"
echo "installing @anthropic-ai/claude-agent-sdk@$version into $dir" >&2
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
	"@anthropic-ai/claude-agent-sdk@$version" >&2
echo "$pkg"
