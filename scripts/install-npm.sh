#!/usr/bin/env bash
# Installs an npm package once into a cache outside the checkout, keyed by
# name and version, and prints the path of what to use from it:
#
#   scripts/install-npm.sh PACKAGE VERSION DIR FILE
#
# installs PACKAGE@VERSION into $cache/DIR-VERSION and prints
# $cache/DIR-VERSION/FILE (FILE must exist afterwards).
set -euo pipefail
[[ $# == 4 ]] || { echo "usage: install-npm.sh PACKAGE VERSION DIR FILE" >&2; exit 2; }
package=$1 version=$2
cache="${CLAUDE_LAUNCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claude-launch}"
dir="$cache/$3-$version"
path="$dir/$4"

if [[ -e $path ]]; then
	echo "$path"
	exit 0
fi
mkdir -p "$dir"
echo "installing $package@$version into $dir" >&2
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$package@$version" >&2
[[ -e $path ]] || { echo "install-npm.sh: $package@$version has no $4" >&2; exit 1; }
echo "$path"
