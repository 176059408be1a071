#!/usr/bin/env bash
# Installs the real claude CLI from npm once into a cache outside the
# checkout, keyed by version, and prints the path of its executable.
set -euo pipefail

version="${CLAUDE_CODE_VERSION:-2.1.332}"
cache="${CLAUDE_LAUNCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claude-launch}"
dir="$cache/claude-code-$version"
bin="$dir/node_modules/.bin/claude"

if [[ -x "$bin" ]]; then
	echo "$bin"
	exit 0
fi

mkdir -p "$dir"
echo "installing @anthropic-ai/claude-code@$version into $dir" >&2
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
	"@anthropic-ai/claude-code@$version" >&2
echo "$bin"
