#!/usr/bin/env bash
# Builds, once, the cgroup v2 test guest: Debian's kernel and a minimal
# Debian bookworm root with systemd 252 (and pam_systemd, which gives a user
# manager its XDG_RUNTIME_DIR as on a workstation; tmux, for claude-agents'
# panes), cached outside the
# checkout under ~/.cache/claude-launch/vm-bookworm-3 and reused by every
# run and clone.
# Needs root and Debian's qemu-system-x86, debootstrap and cpio (installed
# here when missing). Prints the cache directory.
set -euo pipefail

cache="${CLAUDE_LAUNCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claude-launch}"
dir="$cache/vm-bookworm-3"
if [[ -f "$dir/ready" ]]; then
	echo "$dir"
	exit 0
fi

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v cpio >/dev/null || need+=(cpio)
if ((${#need[@]})); then
	echo "installing ${need[*]}" >&2
	apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 ||
		{ apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${need[@]}" >&2; }
fi

rm -rf "$dir.tmp" && mkdir -p "$dir.tmp" && cd "$dir.tmp"
# Debian's kernel: everything the test needs is built in (serial console,
# initramfs, cgroup2, memcg); only vmlinuz is used.
pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image/{print $2; exit}')
apt-get download -qq "$pkg" >&2
dpkg-deb --fsys-tarfile ./linux-image-*.deb | tar -xO --wildcards './boot/vmlinuz-*' >vmlinuz
rm -f ./linux-image-*.deb

mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
echo "debootstrap bookworm from $mirror (about 1-2 minutes)" >&2
debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,libpam-systemd,tmux bookworm root "$mirror" >debootstrap.log 2>&1 ||
	{ tail -20 debootstrap.log >&2; exit 1; }
rm -rf root/var/cache/apt/archives/*.deb root/var/cache/apt/*.bin root/var/lib/apt/lists/* \
	root/usr/share/doc/* root/usr/share/man/* root/usr/share/locale/* root/usr/share/info/*
ln -sf /dev/null root/etc/systemd/system/serial-getty@ttyS0.service
ln -sf /dev/null root/etc/systemd/system/getty@tty1.service
(cd root && find . -xdev -print0 | cpio --null -o -H newc --quiet) >root.cpio
rm -rf root
touch ready
cd / && rm -rf "$dir" && mv "$dir.tmp" "$dir"
echo "$dir"
