#!/bin/sh
# Stands for t3-serve in the guest: reports the caps of its cgroup, starts a
# runaway child, and reports whether it, and its scope, survive.
p=${SCOPE:-unit}
cg=/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)
echo "RESULT $p.args=$*"
echo "RESULT $p.cgroup=$(basename "$cg")"
for f in memory.high memory.max memory.swap.max memory.oom.group; do
	echo "RESULT $p.$f=$(cat "$cg/$f")"
done
[ -n "$SCOPE" ] && echo "RESULT $p.OOMPolicy=$(systemctl show -p OOMPolicy --value "$SCOPE")"
# The runaway child: dd allocates its 200M buffer and touches every page.
dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null
echo "RESULT $p.child=$?"
sleep 5
echo "server survived"
echo "RESULT $p.server=alive"
[ -n "$SCOPE" ] && echo "RESULT $p.ActiveState=$(systemctl show -p ActiveState --value "$SCOPE")"
exit 0
