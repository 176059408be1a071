#!/bin/sh
# Runs inside the cgroup v2 guest as t3test.service, prints "RESULT key=value"
# lines to the serial console for the host test to check, then powers off.
exec >/dev/ttyS0 2>&1
echo "=== T3TEST start"
echo "RESULT systemd=$(systemctl --version | awk 'NR==1{print $2}')"
echo "RESULT cgroupfs=$(stat -fc %T /sys/fs/cgroup)"

# A and B: from a shell (this service's child, not its main process),
# t3-serve-launch moves itself into a capped scope; the runaway child is
# OOM-killed. With OOMPolicy=continue the server and the scope live on;
# with stop (the contrast) systemd stops the scope and the server with it.
for policy in continue stop; do
	T3_SERVE_LAUNCH_SERVER=/usr/local/bin/t3-serve SCOPE=t3v2-$policy.scope \
		/usr/local/bin/t3-serve-launch --memory-high 48M --memory-max 64M \
		--oom-policy $policy --scope-name t3v2-$policy --log-level info -- --port 1 >/tmp/out 2>&1
	echo "RESULT $policy.exit=$?"
	sed "s/^/[$policy] /" /tmp/out
done

# C: the unit from scripts/systemd sets the caps itself: t3-serve-launch
# finds them in force and execs t3-serve directly.
systemctl start t3-serve@root.service
for i in $(seq 100); do
	journalctl -u t3-serve@root.service -o cat | grep -q "server survived" && break
	sleep 0.2
done
journalctl -u t3-serve@root.service -o cat | sed "s/^/[unit] /"
echo "RESULT unit.OOMPolicy=$(systemctl show -p OOMPolicy --value t3-serve@root.service)"
echo "=== T3TEST end"
systemctl poweroff --no-block
