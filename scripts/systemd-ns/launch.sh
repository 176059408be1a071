#!/bin/bash
# Starts a real systemd as PID 1 of private PID, mount and cgroup
# namespaces, in a fresh cgroup of its own, without touching the host's
# cgroup mounts. Usage: launch.sh NAME UNITDIR
#   NAME     names the cgroups made for it (removed by teardown.sh NAME)
#   UNITDIR  the only unit directory systemd sees (holds sdexp.target)
# Runs in the foreground; kill its PID to stop it, then run teardown.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
name=$1 unitdir=$2
mem=$(awk -F: '$2=="memory"{print $3}' /proc/$$/cgroup)
for h in cpu cpuacct cpuset devices freezer blkio pids systemd; do
	[ -d /sys/fs/cgroup/$h ] || continue
	d=/sys/fs/cgroup/$h/$name
	mkdir -p "$d"
	if [ $h = cpuset ]; then
		cat /sys/fs/cgroup/cpuset/cpuset.cpus >"$d/cpuset.cpus"
		cat /sys/fs/cgroup/cpuset/cpuset.mems >"$d/cpuset.mems"
	fi
	echo $$ >"$d/cgroup.procs"
done
d=/sys/fs/cgroup/memory$mem/$name
mkdir -p "$d" && echo $$ >"$d/cgroup.procs"
echo "$d" >"$unitdir/.memory-cgroup"
if [ -d /sys/fs/cgroup/unified ]; then
	mkdir -p /sys/fs/cgroup/unified/$name && echo $$ >/sys/fs/cgroup/unified/$name/cgroup.procs
fi
exec unshare --pid --fork --mount --cgroup --mount-proc --propagation private "$here/init.sh" "$unitdir"
