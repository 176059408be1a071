#!/bin/sh
# Stands for t3-serve in the guest's scope cases: reports the caps of the
# scope it runs in (its own cgroup is the scope's server leaf), starts a
# runaway child in one system call (dd bs=200M), and reports whether it, and
# its scope, survive.
p=${SCOPE:-unit}
cg=/sys/fs/cgroup$(cut -d: -f3 /proc/$$/cgroup)
echo "RESULT $p.leaf=$(basename "$cg")"
[ "$(basename "$cg")" = server ] && cg=$(dirname "$cg")
echo "RESULT $p.args=$*"
echo "RESULT $p.cgroup=$(basename "$cg")"
for f in memory.high memory.max memory.swap.max memory.oom.group; do
	echo "RESULT $p.$f=$(cat "$cg/$f")"
done
echo "RESULT $p.OOMPolicy=$(systemctl show -p OOMPolicy --value "$SCOPE")"
echo "RESULT $p.Delegate=$(systemctl show -p Delegate --value "$SCOPE")"
dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null
echo "RESULT $p.child=$?"
sleep 5
echo "server survived"
echo "RESULT $p.server=alive"
echo "RESULT $p.ActiveState=$(systemctl show -p ActiveState --value "$SCOPE")"
exit 0
