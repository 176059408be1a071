#!/bin/sh
# Runs inside the cgroup v2 guest as t3test.service (TestDebGuest): the
# Debian package's life on a real system. It installs /root/claude-launch-1.deb;
# alice enables the sync's timer in her user manager and a sync runs;
# t3-serve@alice starts a stand-in t3 under the unit's caps; with both
# running, /root/claude-launch-2.deb upgrades it; then it is removed and
# purged. Prints "RESULT key=value" lines on the serial console, then powers off.
exec >/dev/ttyS0 2>&1
echo "=== T3TEST start"
as_alice="runuser -u alice -- env -i HOME=/home/alice XDG_RUNTIME_DIR=/run/user/1000 PATH=/usr/bin:/bin"
# waitfor SECONDS COMMAND...: until COMMAND succeeds.
waitfor() {
	n=$(($1 * 5)); shift
	for i in $(seq $n); do "$@" && return 0; sleep 0.2; done
	return 1
}
started() { journalctl -u t3-serve@alice.service -o cat | grep -c "t3 stand-in: serving"; }
files="/home/alice/.config/claude-auth-sync/claude-oauth.env /home/alice/.config/claude-launch/config"
userfiles() { sha256sum $files | cut -c1-16 | tr '\n' ' '; }

dpkg -i /root/claude-launch-1.deb >/tmp/install.out 2>&1
echo "RESULT install.exit=$?"
sed "s/^/[install] /" /tmp/install.out
echo "RESULT install.said_enable=$(grep -c "systemctl --user enable --now claude-auth-sync.timer" /tmp/install.out)"

# alice, with a setup token of her own and a config, and her user manager.
useradd -m -u 1000 alice
mkdir -p /home/alice/.config/claude-auth-sync /home/alice/.config/claude-launch
printf 'CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-guest-not-a-real-one\n' >/home/alice/.config/claude-auth-sync/claude-oauth.env
chmod 600 /home/alice/.config/claude-auth-sync/claude-oauth.env
printf '# alice'"'"'s settings\n' >/home/alice/.config/claude-launch/config
chown -R alice: /home/alice/.config
before=$(userfiles)
systemctl start user@1000.service

# The timer, enabled by alice as the install said; a drop-in of hers makes
# it fire at once rather than after a minute and a random delay.
mkdir -p /home/alice/.config/systemd/user/claude-auth-sync.timer.d
printf '[Timer]\nOnActiveSec=1s\nRandomizedDelaySec=0\n' >/home/alice/.config/systemd/user/claude-auth-sync.timer.d/soon.conf
chown -R alice: /home/alice/.config/systemd
$as_alice systemctl --user daemon-reload
$as_alice systemctl --user enable --now claude-auth-sync.timer
echo "RESULT timer.enable.exit=$?"
state=/home/alice/.local/state/claude-auth-sync/state.json
waitfor 60 grep -qs last_success $state || echo "no sync ran"
echo "RESULT sync.state=$(grep -c last_success $state)"
echo "RESULT sync.Result=$($as_alice systemctl --user show -p Result --value claude-auth-sync.service)"
echo "RESULT sync.ExecStart=$($as_alice systemctl --user show -p ExecStart --value claude-auth-sync.service | grep -o 'path=[^ ;]*')"
$as_alice journalctl --user -u claude-auth-sync.service -o cat 2>/dev/null | sed "s/^/[sync] /"

# The server for alice, with a stand-in t3 in systemd's PATH.
printf '#!/bin/sh\necho "t3 stand-in: serving $*"\nexec sleep infinity\n' >/usr/local/bin/t3
chmod 755 /usr/local/bin/t3
systemctl enable --now t3-serve@alice.service 2>&1 | sed "s/^/[enable] /"
waitfor 60 test "$(started)" = 1 || echo "t3 stand-in did not start"
journalctl -u t3-serve@alice.service -o cat | sed "s/^/[server] /"
cg=/sys/fs/cgroup$(systemctl show -p ControlGroup --value t3-serve@alice.service)
echo "RESULT server.ActiveState=$(systemctl show -p ActiveState --value t3-serve@alice.service)"
echo "RESULT server.ExecStart=$(systemctl show -p ExecStart --value t3-serve@alice.service | grep -o 'path=[^ ;]*')"
for f in memory.high memory.max memory.swap.max; do echo "RESULT server.unit.$f=$(cat $cg/$f)"; done
t3=$(for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = sleep ] && [ "$(stat -c %U $p)" = alice ] && basename $p; done | head -1)
t3cg=/sys/fs/cgroup$(cut -d: -f3 /proc/$t3/cgroup)
echo "RESULT server.t3.leaf=$([ "$(dirname "$t3cg")" = "$cg" ] && basename "$t3cg")"
echo "RESULT server.leaf.memory.max=$(cat $cg/server/memory.max)"
# The unit grants CAP_NET_ADMIN for the watcher's subscription alone: the
# server, the watcher and its sentinel hold no capability of any kind.
caps=$(for p in $t3 $(cat $cg/watch/cgroup.procs); do grep -E '^Cap(Inh|Prm|Eff|Amb):' /proc/$p/status; done | grep -vc ':[[:space:]]*0*$')
echo "RESULT server.caps_held=$caps"
echo "RESULT server.watch_procs=$(wc -l <$cg/watch/cgroup.procs)"
# The watcher (or its sentinel) holds a socket on the kernel's process events (netlink protocol 11, group 1).
socks=$(for p in $(cat $cg/watch/cgroup.procs); do ls -l /proc/$p/fd; done | sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p')
echo "RESULT server.watcher_forks_socket=$(for i in $socks; do awk -v i=$i '$2 == 11 && $4 == "00000001" && $NF == i' /proc/net/netlink; done | wc -l)"
pid1=$(systemctl show -p MainPID --value t3-serve@alice.service)

# The upgrade, with both running.
dpkg -i /root/claude-launch-2.deb >/tmp/upgrade.out 2>&1
echo "RESULT upgrade.exit=$?"
sed "s/^/[upgrade] /" /tmp/upgrade.out
echo "RESULT upgrade.version=$(dpkg-query -W -f '${Version}' claude-launch)"
waitfor 60 test "$(started)" = 2 || echo "the server was not restarted"
sleep 2
echo "RESULT upgrade.server.started=$(started)"
echo "RESULT upgrade.server.ActiveState=$(systemctl show -p ActiveState --value t3-serve@alice.service)"
pid2=$(systemctl show -p MainPID --value t3-serve@alice.service)
echo "RESULT upgrade.server.new_pid=$([ "$pid1" != "$pid2" ] && echo true)"
$as_alice systemctl --user daemon-reload
echo "RESULT upgrade.timer=$($as_alice systemctl --user is-active claude-auth-sync.timer)"
echo "RESULT upgrade.userfiles=$([ "$(userfiles)" = "$before" ] && echo same)"

# Removal, then purge.
dpkg -r claude-launch >/tmp/remove.out 2>&1
echo "RESULT remove.exit=$?"
sed "s/^/[remove] /" /tmp/remove.out
echo "RESULT remove.server.ActiveState=$(systemctl show -p ActiveState --value t3-serve@alice.service)"
gone=0
for f in /usr/bin/claude-launch /usr/bin/claude-auth-sync /usr/bin/t3-serve-launch /usr/bin/claude-agents \
	/usr/lib/systemd/system/t3-serve@.service /usr/lib/systemd/user/claude-auth-sync.timer /usr/share/claude-launch; do
	[ -e $f ] || gone=$((gone + 1))
done
echo "RESULT remove.gone=$gone"
dpkg -P claude-launch >/tmp/purge.out 2>&1
echo "RESULT purge.exit=$?"
sed "s/^/[purge] /" /tmp/purge.out
echo "RESULT purge.said=$(grep -c "Each user's files are left as they were" /tmp/purge.out)"
echo "RESULT purge.enable_link=$(ls /etc/systemd/system/multi-user.target.wants/ | grep -c t3-serve@)"
echo "RESULT purge.userfiles=$([ "$(userfiles)" = "$before" ] && echo same)"
echo "RESULT purge.state=$(grep -c last_success $state)"
echo "RESULT purge.alice_timer_link=$(test -L /home/alice/.config/systemd/user/timers.target.wants/claude-auth-sync.timer && echo kept)"
echo "=== T3TEST end"
systemctl poweroff --no-block
