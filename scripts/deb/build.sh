#!/usr/bin/env bash
# Packs what `make build` left in $BIN into $BIN/claude-launch_VERSION_amd64.deb
# with Debian's own dpkg-deb (make deb). The layout is Debian's: programs in
# /usr/bin, units in /usr/lib/systemd, examples in /usr/share/claude-launch,
# and man pages and completions from $BIN/share when they were generated.
# The same inputs give the same bytes: every time is SOURCE_DATE_EPOCH, every
# owner root and every mode set here; dpkg-deb sorts the entries.
#
#   scripts/deb/build.sh           BIN, VERSION, COMMIT, SOURCE_DATE_EPOCH from make deb
#   scripts/deb/build.sh version   this checkout's package version: the newest
#                                  tag vX.Y.Z as X.Y.Z, +N.gHASH N commits past
#                                  it; without a tag 0~gitDATETIME.gHASH (the
#                                  commit's time); +dirty with uncommitted changes
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/deb

version() {
	local v
	if v=$(git describe --tags --match 'v[0-9]*' 2>/dev/null); then
		v=$(sed 's/^v//; s/-\([0-9]*\)-g\([0-9a-f]*\)$/+\1.g\2/' <<<"$v")
	else
		v=0~git$(TZ=UTC0 git log -1 --date=format-local:%Y%m%d%H%M%S --format=%cd).g$(git rev-parse --short=7 HEAD)
	fi
	git diff --quiet HEAD 2>/dev/null || v+=+dirty
	echo "$v"
}
if [[ ${1:-} == version ]]; then
	version
	exit
fi

bin=${BIN:-bin}
ver=${VERSION:-$(version)}
commit=${COMMIT:-$(git rev-parse --short=12 HEAD)}
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
maintainer=${DEB_MAINTAINER:-claude-launch developers <claude-launch@users.noreply.github.com>}
out=$bin/claude-launch_${ver}_amd64.deb
pkg=$(mktemp -d)
trap 'rm -rf "$pkg"' EXIT

put() { # MODE SRC DST: SRC to DST in the package
	install -D -m "$1" "$2" "$pkg/$3"
}
to() { # DST: stdin to DST in the package, mode 0644
	install -d "$pkg/$(dirname "$1")" && cat >"$pkg/$1" && chmod 0644 "$pkg/$1"
}
# sub FROM TO SRC DST: SRC with FROM replaced by TO, which must occur.
sub() {
	grep -qF "$1" "$3" || { echo "deb: $3 no longer names $1" >&2; exit 1; }
	sed "s|$1|$2|g" "$3" | to "$4"
}

for p in claude-launch claude-auth-sync t3-serve-launch; do put 0755 "$bin/$p" usr/bin/$p; done
put 0755 scripts/claude-agents usr/bin/claude-agents
sub %h/.local/bin/ /usr/bin/ scripts/systemd/claude-auth-sync.service usr/lib/systemd/user/claude-auth-sync.service
put 0644 scripts/systemd/claude-auth-sync.timer usr/lib/systemd/user/claude-auth-sync.timer
sub /usr/local/bin/ /usr/bin/ scripts/systemd/t3-serve@.service usr/lib/systemd/system/t3-serve@.service
share=usr/share/claude-launch
put 0644 scripts/config/config.example $share/config.example
put 0644 scripts/prometheus/claude-auth.rules.yml $share/prometheus/claude-auth.rules.yml
put 0644 scripts/vault/claude-launch.hcl $share/vault/claude-launch.hcl
put 0755 scripts/vault/setup.sh $share/vault/setup.sh

# Generated man pages and completions, where Debian looks for them.
gen=$bin/share
shopt -s nullglob
for f in "$gen"/man/man1/*.1; do gzip -9nc "$f" | to "usr/share/man/man1/${f##*/}.gz"; done
for f in "$gen"/bash-completion/completions/*; do put 0644 "$f" usr/share/bash-completion/completions/"${f##*/}"; done
for f in "$gen"/zsh/site-functions/*; do put 0644 "$f" usr/share/zsh/vendor-completions/"${f##*/}"; done
for f in "$gen"/fish/vendor_completions.d/*; do put 0644 "$f" usr/share/fish/vendor_completions.d/"${f##*/}"; done

doc=usr/share/doc/claude-launch
put 0644 $here/copyright $doc/copyright
put 0644 $here/lintian-overrides usr/share/lintian/overrides/claude-launch
sed -e "s|@VERSION@|$ver|; s|@COMMIT@|$commit|; s|@MAINTAINER@|$maintainer|" \
	-e "s|@DATE@|$(date -u -R -d "@$epoch")|" $here/changelog | gzip -9n | to $doc/changelog.gz

install -d "$pkg/DEBIAN"
for s in postinst prerm postrm; do install -m 0755 $here/$s "$pkg/DEBIAN/$s"; done
(cd "$pkg" && find usr -type f | LC_ALL=C sort | xargs md5sum) >"$pkg/DEBIAN/md5sums"
# Installed-Size as dpkg-gencontrol counts it: KiB per file, rounded up, and one per directory.
size=$(cd "$pkg" && find usr \( -type f -printf '%s\n' \) -o \( -type d -printf '1024\n' \) | awk '{k += int(($1 + 1023) / 1024)} END {print k}')
sed -e "s|@VERSION@|$ver|; s|@MAINTAINER@|$maintainer|; s|@SIZE@|$size|" $here/control >"$pkg/DEBIAN/control"
chmod 0644 "$pkg/DEBIAN/control" "$pkg/DEBIAN/md5sums"
find "$pkg" -type d -exec chmod 0755 {} +
find "$pkg" -exec touch -h -d "@$epoch" {} +
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zxz --threads-max=1 --build "$pkg" "$out" >/dev/null
echo "$out"
