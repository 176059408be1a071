#!/usr/bin/env bash
# Installs the real claude CLI from npm once into a cache outside the
# checkout, keyed by version, and prints the path of its executable.
set -euo pipefail
exec "$(dirname "$0")/install-npm.sh" @anthropic-ai/claude-code "${CLAUDE_CODE_VERSION:-2.1.332}" \
	claude-code node_modules/.bin/claude
