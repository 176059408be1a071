#!/usr/bin/env bash
# Builds the real Vault server once into a cache outside the checkout, keyed
# by version, and prints its path. Later runs (and other clones) reuse it.
#
# Vault v1.21.0 is pinned: v1.21.4's tree and the sdk it requires disagree and
# do not compile. The build takes about 15 minutes on two cores.
set -euo pipefail

version="${VAULT_VERSION:-1.21.0}"
cache="${CLAUDE_LAUNCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claude-launch}"
dir="$cache/vault-$version"
bin="$dir/bin/vault"

if [[ -x "$bin" ]]; then
	echo "$bin"
	exit 0
fi

mkdir -p "$dir/src" "$dir/bin"
cd "$dir/src"
if [[ ! -f go.mod ]]; then
	go mod init claude-launch-tools/vault >&2
fi
echo "building vault v$version into $bin (about 15 minutes on two cores)" >&2
GOFLAGS=-mod=mod go get "github.com/hashicorp/vault@v$version" >&2
GOFLAGS=-mod=mod go build -trimpath -o "$bin.tmp" github.com/hashicorp/vault >&2
mv "$bin.tmp" "$bin"
echo "$bin"
