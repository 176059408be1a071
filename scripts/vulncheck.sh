#!/usr/bin/env bash
# govulncheck over the module against the Go vulnerability database, pinned
# and read from a local copy: the golang.org/x/vulndb module's OSV files,
# indexed once into the cache (the database's web site cannot be reached
# from every machine that builds this; the module proxy can).
#
# Any vulnerability our code reaches fails the check: in a module this
# project requires (bump it: go get …@fixed && go mod tidy), or in the
# standard library of the Go that builds (GOTOOLCHAIN, as the Makefile sets
# it: a release that fixes it).
#
#   scripts/vulncheck.sh            # make check runs it
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=go1.27.3 # the Go the Makefile builds with
govulncheck_version=${GOVULNCHECK_VERSION:-1.9.0}
vulndb_version=${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}
cache="${CLAUDE_LAUNCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claude-launch}"
bin="$cache/govulncheck-$govulncheck_version-$GOTOOLCHAIN/govulncheck"
db="$cache/vulndb-$vulndb_version"
go=${GO:-go}

if [[ ! -x $bin ]]; then
	echo "installing govulncheck $govulncheck_version into $(dirname "$bin")" >&2
	GOBIN=$(dirname "$bin") "$go" install "golang.org/x/vuln/cmd/govulncheck@v$govulncheck_version"
fi
if [[ ! -f $db/index/db.json ]]; then
	echo "indexing the Go vulnerability database $vulndb_version into $db (about 30 s, once)" >&2
	src=$("$go" mod download -json "golang.org/x/vulndb@$vulndb_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[[ -d $src/data/osv ]] || { echo "vulncheck: golang.org/x/vulndb@$vulndb_version has no data/osv" >&2; exit 1; }
	rm -rf "$db.tmp"
	GOFLAGS=-mod=mod "$go" run "golang.org/x/vulndb/cmd/indexdb@$vulndb_version" -vulns "$src/data/osv" -out "$db.tmp"
	mv "$db.tmp" "$db"
fi

set +e
out=$("$bin" -db "file://$db" ./... 2>&1)
rc=$?
set -e
case $rc in
0) echo "govulncheck: no vulnerability reached (database $vulndb_version)"; exit 0 ;;
3) ;; # vulnerabilities found: sorted out below
*) printf '%s\n' "$out" >&2; exit "$rc" ;;
esac
printf '%s\n' "$out"
# "Found in: crypto/tls@go1.26.8" is the standard library; "Found in:
# golang.org/x/image@v0.30.0" a module of ours.
modules=$(printf '%s\n' "$out" | sed -n 's/^ *Found in: \(.*\)$/\1/p' | grep -v '@go[0-9]' | sort -u || true)
if [[ -n $modules ]]; then
	echo "govulncheck: modules with a vulnerability our code reaches: $(echo $modules); bump each to its fixed version (go get …@version && go mod tidy)" >&2
fi
fixed=$(printf '%s\n' "$out" | sed -n 's/^ *Fixed in: .*@go\([0-9.]*\)$/\1/p' | sort -V | tail -1)
if [[ -n $fixed ]]; then
	echo "govulncheck: $("$go" env GOVERSION)'s standard library has vulnerabilities our code reaches; set GOTOOLCHAIN=go$fixed or later in the Makefile, scripts/vulncheck.sh and .ci/run" >&2
fi
exit 1
