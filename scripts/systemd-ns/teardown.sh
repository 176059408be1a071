#!/bin/bash
# Removes the cgroups launch.sh NAME made, deepest first, once the
# namespace's processes are gone. Usage: teardown.sh NAME UNITDIR
name=$1 unitdir=$2
dirs=()
for h in cpu cpuacct cpuset devices freezer blkio pids systemd unified; do
	[ -d /sys/fs/cgroup/$h/$name ] && dirs+=(/sys/fs/cgroup/$h/$name)
done
[ -f "$unitdir/.memory-cgroup" ] && dirs+=("$(cat "$unitdir/.memory-cgroup")")
for d in "${dirs[@]}"; do
	[ -d "$d" ] || continue
	for i in $(seq 50); do
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		[ -d "$d" ] || break
		sleep 0.1
	done
	[ -d "$d" ] && echo "could not remove $d" >&2
done
exit 0
