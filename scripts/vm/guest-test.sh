#!/bin/sh
# Runs inside the cgroup v2 guest as t3test.service, prints "RESULT key=value"
# lines to the serial console for the host test to check, then powers off.
exec >/dev/ttyS0 2>&1
echo "=== T3TEST start"
echo "RESULT systemd=$(systemctl --version | awk 'NR==1{print $2}')"
echo "RESULT cgroupfs=$(stat -fc %T /sys/fs/cgroup)"
bin=/usr/local/bin
sim="T3_SERVE_LAUNCH_SERVER=$bin/t3sim CLAUDE_LAUNCH_CLAUDE=$bin/t3sim PATH=$bin:/usr/bin:/bin"
caps="--memory-high 224M --memory-max 256M --server-memory-max 64M --agent-memory-max 24M --server-memory-low 16M --log-level info"
scenarios="quiet creep burst child-creep child-burst grandchild together"

# agents USER: how many t3sim processes USER runs (minbase has no pgrep).
agents() {
	n=0
	for p in /proc/[0-9]*; do
		[ "$(stat -c %U "$p" 2>/dev/null)" = "$1" ] && [ "$(cat "$p/comm" 2>/dev/null)" = t3sim ] && n=$((n + 1))
	done
	echo $n
}

# waitfor FILE-OR-UNIT PATTERN: waits up to 120 s for a line.
waitfor() {
	for i in $(seq 600); do
		if [ -f "$1" ]; then grep -q "$2" "$1" && return 0
		else journalctl -u "$1" -o cat | grep -q "$2" && return 0; fi
		sleep 0.2
	done
	return 1
}

# A and B: from a shell (a scope, as a tmux pane in a login session is),
# t3-serve-launch moves itself into a capped scope of its own; the
# one-call runaway child is OOM-killed. With OOMPolicy=continue the server
# and the scope live on; with stop (the contrast) systemd stops the scope
# and the server with it.
for policy in continue stop; do
	systemd-run --scope -q --unit=shell-$policy env T3_SERVE_LAUNCH_SERVER=$bin/fake-t3-serve SCOPE=t3v2-$policy.scope \
		$bin/t3-serve-launch --memory-high 48M --memory-max 64M --server-memory-max 24M \
		--oom-policy $policy --scope-name t3v2-$policy --log-level info -- --port 1 >/tmp/out 2>&1
	echo "RESULT $policy.exit=$?"
	sed "s/^/[$policy] /" /tmp/out
done

# C: the unit from scripts/systemd with the guest's small caps (a drop-in,
# as a user would write one); the server starts agents through
# claude-launch, each in a cgroup of its own, and children of its own
# (a terminal's, a shell's child), which stay in its bounded leaf, and
# times its allocations while a runaway grows (creep), takes all at once
# (burst), several grow together, and, last, the server itself grows.
d=/etc/systemd/system/t3-serve@root.service.d
mkdir -p $d
cat >$d/guest.conf <<EOC
[Service]
MemoryHigh=224M
MemoryMax=256M
ExecStart=
ExecStart=$bin/t3-serve-launch $caps -- server $scenarios
Environment=$sim
Environment=CLAUDE_LAUNCH_METRICS_FILE=/var/lib/node_exporter/textfile/claude-auth-root.prom
EOC
mkdir -p /var/lib/node_exporter/textfile
systemctl daemon-reload
systemctl start t3-serve@root.service
waitfor t3-serve@root.service "RESULT server.alive" || echo "server did not finish"
journalctl -u t3-serve@root.service -o cat | sed "s/^/[unit] /"
for p in ActiveState OOMPolicy Delegate NRestarts; do
	echo "RESULT unit.$p=$(systemctl show -p $p --value t3-serve@root.service)"
done
systemctl stop t3-serve@root.service
# Every kill at a cap, recorded and counted (internal/kills).
rec=/root/.local/state/claude-auth-sync/oom-kills.jsonl
echo "RESULT kills.agent=$(grep -c '"kind":"agent"' $rec)"
echo "RESULT kills.process=$(grep -c '"kind":"process"' $rec)"
echo "RESULT kills.metrics=$(grep '^claude_oom_kills_total' /var/lib/node_exporter/textfile/claude-oom-kills-0.prom | tr '\n' ' ')"
# and shown by status, agents and processes alike.
st=$(HOME=/root $bin/claude-auth-sync status 2>&1)
echo "$st" | grep "OOM kills\|: agent \|: process " | sed "s/^/[status] /"
echo "RESULT kills.status.agent=$(echo "$st" | grep -c ': agent ')"
echo "RESULT kills.status.process=$(echo "$st" | grep -c ': process ')"

# C1: the server itself grows, once: the kernel kills it at its leaf's
# bound; systemd restarts the unit (Restart=on-failure), and the restarted
# server serves.
sed -i "s/-- server $scenarios/-- server grow/" $d/guest.conf
systemctl daemon-reload
sleep 1
since=$(date "+%Y-%m-%d %H:%M:%S")
systemctl start t3-serve@root.service
waitfor t3-serve@root.service "RESULT grow.restarted" || echo "the grown server was not restarted"
journalctl -u t3-serve@root.service -o cat --since "$since" | grep -v "RESULT server\\.\\|RESULT unit\\." | sed "s/^/[grow] /"
kill=$(journalctl -k -o short-unix --since "$since" | grep -m1 "Memory cgroup out of memory: Killed process")
echo "[grow] $kill"
echo "RESULT grow.killed_pid=$(echo "$kill" | sed -n 's/.*Killed process \([0-9]*\).*/\1/p')"
echo "RESULT grow.killed_at_ms=$(echo "$kill" | awk '{printf "%.0f", $1 * 1000}')"
for p in ActiveState NRestarts Result; do
	echo "RESULT grow.unit.$p=$(systemctl show -p $p --value t3-serve@root.service)"
done
systemctl stop t3-serve@root.service

# C2: no t3-serve where the unit looks: exit 127, one message naming the
# drop-in, and no restart loop.
cat >$d/guest.conf <<EOC
[Service]
Environment=T3_SERVE_LAUNCH_SERVER=/opt/none/t3-serve
EOC
systemctl daemon-reload
since=$(date "+%Y-%m-%d %H:%M:%S")
systemctl start t3-serve@root.service
sleep 7
journalctl -u t3-serve@root.service -o cat --since "$since" | grep -v "^Started\|^Stopped" | sed "s/^/[missing] /"
for p in ActiveState ExecMainStatus NRestarts; do
	echo "RESULT missing.$p=$(systemctl show -p $p --value t3-serve@root.service)"
done
rm -r $d && systemctl daemon-reload

# D: a user, not root, by hand: the user manager (user@1000.service, which
# delegates memory) makes the scope; agents get cgroups in it too.
useradd -m -u 1000 alice
systemctl start user@1000.service
systemd-run --scope -q --unit=alice-pane --slice=user-1000.slice --uid=alice \
	env -i HOME=/home/alice XDG_RUNTIME_DIR=/run/user/1000 $sim \
	$bin/t3-serve-launch $caps --scope-name t3user -- server creep >/tmp/user.out 2>&1 &
pid=$!
waitfor /tmp/user.out "RESULT server.alive" || echo "user server did not finish"
echo "RESULT user.path=$(cut -d: -f3 /proc/$pid/cgroup)"
kill $pid
sed "s/^/[alice] /; s/RESULT /RESULT user./" /tmp/user.out

# E: a user manager without delegation (Delegate=no on user@1001.service):
# on cgroup v2 systemd 252 cannot even start it ("Failed to create
# .../init.scope control group: Permission denied"); t3-serve-launch says
# that none answers and where to look, in one message, and exits 78.
useradd -m -u 1001 bob
mkdir -p /etc/systemd/system/user@1001.service.d
printf '[Service]\nDelegate=no\n' >/etc/systemd/system/user@1001.service.d/nodelegate.conf
systemctl daemon-reload
systemctl start user@1001.service
echo "RESULT nodelegation.manager=$(systemctl show -p ActiveState --value user@1001.service)"
timeout 60 systemd-run --scope -q --unit=bob-pane --slice=user-1001.slice --uid=bob \
	env -i HOME=/home/bob XDG_RUNTIME_DIR=/run/user/1001 $sim \
	$bin/t3-serve-launch $caps --scope-name t3bob -- server >/tmp/bob.out 2>&1
echo "RESULT nodelegation.exit=$?"
sed "s/^/[bob] /" /tmp/bob.out
# F: claude-agents as alice, with real tmux and her user manager: each
# pane's agent in a capped scope of its own (the cap from her config file);
# one pane's agent creeps and is killed at its cap, alone, and started
# again; the other panes' agents live.
as_alice="runuser -u alice -- env -i HOME=/home/alice XDG_RUNTIME_DIR=/run/user/1000 PATH=$bin:/usr/bin:/bin CLAUDE_LAUNCH_CLAUDE=$bin/t3sim TERM=xterm"
mkdir -p /home/alice/.config/claude-launch
printf 'CLAUDE_LAUNCH_PANE_MEMORY_MAX=48M\nCLAUDE_LAUNCH_METRICS_FILE=/home/alice/textfile/claude-auth.prom\n' >/home/alice/.config/claude-launch/config
mkdir -p /home/alice/textfile
chown -R alice: /home/alice/.config /home/alice/textfile
sleep 1
since=$(date "+%Y-%m-%d %H:%M:%S")
$as_alice $bin/claude-agents -n 3 -d -s lab -- agent pane 16M >/tmp/agents.out 2>&1
echo "RESULT panes.exit=$?"
sed "s/^/[panes] /" /tmp/agents.out
killed=
for i in $(seq 300); do
	for p in 0 1 2; do
		$as_alice tmux capture-pane -p -J -t lab:agents.$p | grep -q "killed at its memory cap" && killed=$p
	done
	[ -n "$killed" ] && break
	sleep 0.2
done
# The killed pane's back-off (4 s after a short run), then its agent again.
for i in $(seq 100); do [ "$(agents alice)" = 3 ] && break; sleep 0.2; done
for p in 0 1 2; do $as_alice tmux capture-pane -p -J -t lab:agents.$p | grep . | sed "s/^/[pane $p] /"; done
echo "RESULT panes.killed_line=$($as_alice tmux capture-pane -p -J -t lab:agents.${killed:-0} | grep -o "claude was killed at its memory cap (MemoryMax=[^)]*), status [0-9]*" | head -1)"
grep -q '"kind":"pane"' /home/alice/.local/state/claude-auth-sync/oom-kills.jsonl 2>/dev/null && echo "RESULT panes.recorded=yes"
echo "RESULT panes.metrics=$(grep -c '^claude_oom_kills_total{.*kind="pane"' /home/alice/textfile/claude-oom-kills-1000.prom)"
echo "RESULT panes.status=$($as_alice $bin/claude-auth-sync status 2>&1 | grep -c ': pane ')"
kill=$(journalctl -k -o short-unix --since "$since" | grep -m1 "Memory cgroup out of memory: Killed process")
echo "[panes] $kill"
echo "RESULT panes.killed_after_ms=$(( $(echo "$kill" | awk '{printf "%.0f", $1 * 1000}') - $(cut -d" " -f1 /tmp/t3sim-pane-runaway) ))"
echo "RESULT panes.agents=$(agents alice)"
scopes=$($as_alice systemctl --user list-units --no-legend --state=active "claude-agent-lab-*" | awk '{print $1}')
echo "RESULT panes.scopes=$(echo "$scopes" | grep -c scope)"
s1=$(echo "$scopes" | head -1)
cg=$($as_alice systemctl --user show -p ControlGroup --value "$s1")
echo "RESULT panes.scope.memory.max=$(cat /sys/fs/cgroup$cg/memory.max)"
echo "RESULT panes.scope.memory.swap.max=$(cat /sys/fs/cgroup$cg/memory.swap.max)"
echo "RESULT panes.scope.memory.oom.group=$(cat /sys/fs/cgroup$cg/memory.oom.group)"
echo "RESULT panes.failed=$($as_alice systemctl --user list-units --no-legend --state=failed "claude-agent-*" | wc -l)"
$as_alice tmux kill-server

# G: claude-agents as bob, whose user manager has no delegation and so
# does not run: it says once what is missing and runs the agents uncapped.
as_bob="runuser -u bob -- env -i HOME=/home/bob XDG_RUNTIME_DIR=/run/user/1001 PATH=$bin:/usr/bin:/bin CLAUDE_LAUNCH_CLAUDE=$bin/t3sim TERM=xterm"
$as_bob $bin/claude-agents -n 2 -d -s lab -- agent idle 4M >/tmp/bob-agents.out 2>&1
echo "RESULT uncapped.exit=$?"
sed "s/^/[uncapped] /" /tmp/bob-agents.out
echo "RESULT uncapped.said=$(grep -c "the agents run without a memory cap of their own" /tmp/bob-agents.out)"
for i in $(seq 100); do [ "$(agents bob)" = 2 ] && break; sleep 0.2; done
echo "RESULT uncapped.agents=$(agents bob)"
$as_bob tmux kill-server
echo "=== T3TEST end"
systemctl poweroff --no-block
