#!/usr/bin/env bash
# Installs the Claude Agent SDK from npm once into a cache outside the
# checkout, keyed by version, and prints the directory to import it from
# (its node_modules/@anthropic-ai/claude-agent-sdk). T3 Code starts claude
# through it; the stand-in server of cmd/t3-serve-launch's tests does too.
set -euo pipefail
"$(dirname "$0")/install-npm.sh" @anthropic-ai/claude-agent-sdk "${CLAUDE_AGENT_SDK_VERSION:-0.3.333}" \
	claude-agent-sdk node_modules/@anthropic-ai/claude-agent-sdk/package.json | sed 's#/package.json$##'
