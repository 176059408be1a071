#!/bin/bash
# PID 1 inside the namespaces: private cgroup mounts (v1 controllers,
# name=systemd, cgroup2 at unified) and /run, then systemd with a unit path
# holding only what the caller put in UNITDIR, so no host unit runs.
unitdir=$1
mount --make-rprivate /
mount -t tmpfs -o mode=755 tmpfs /sys/fs/cgroup
for h in cpu cpuacct cpuset devices freezer blkio pids memory; do
	mkdir /sys/fs/cgroup/$h
	mount -t cgroup -o $h cgroup /sys/fs/cgroup/$h || echo "mount $h failed" >&2
done
mkdir /sys/fs/cgroup/systemd
mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
mkdir /sys/fs/cgroup/unified
mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd
export container=claude-launch-test SYSTEMD_UNIT_PATH=$unitdir
exec /lib/systemd/systemd --system --unit=sdexp.target --log-target=console --log-level=notice
