#!/bin/sh
# Runs inside the cgroup v2 guest as t3test.service for TestAgentSDKGuest:
# T3 Code's spawn path, for real. A stand-in server on the Claude Agent SDK
# (cmd/t3-serve-launch/testdata/sdk-server.mjs) runs under t3-serve-launch
# in the production unit and starts the real claude, which asks a local
# Messages API (t3sim api) that says which token and which cgroup each
# request came with. Prints "RESULT key=value" lines, then powers off.
exec >/dev/ttyS0 2>&1
echo "=== SDKTEST start"
bin=/usr/local/bin
lib=/usr/local/lib
# A setup token made for the run (the API accepts any; it reports whether
# claude presented this one, never the value).
token=sk-ant-oat01-guest-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
mkdir -p -m 700 /root/.config/claude-auth-sync
(umask 077 && printf 'CLAUDE_CODE_OAUTH_TOKEN=%s\n' "$token" >/root/.config/claude-auth-sync/claude-oauth.env)

waitfor() { # UNIT PATTERN SECONDS SINCE
	for i in $(seq $(($3 * 5))); do
		journalctl -u "$1" -o cat --since "$4" | grep -q "$2" && return 0
		sleep 0.2
	done
	return 1
}

d=/etc/systemd/system/t3-serve@root.service.d
mkdir -p $d
for v in binaryPath default; do
	mkdir -p /root/.t3/userdata
	if [ $v = binaryPath ]; then
		echo "{\"providers\":{\"claudeAgent\":{\"binaryPath\":\"$bin/claude-launch\"}}}" >/root/.t3/userdata/settings.json
	else
		rm -f /root/.t3/userdata/settings.json
	fi
	API_NAME=$v.api SETUP_TOKEN=$token $bin/t3sim api 127.0.0.1:8080 &
	api=$!
	cat >$d/guest.conf <<EOC
[Service]
MemoryHigh=1536M
MemoryMax=1792M
ExecStart=
ExecStart=$bin/t3-serve-launch --memory-high 1536M --memory-max 1792M --server-memory-max 384M --agent-memory-max 768M --log-level info --server $bin/node -- $lib/t3sdk/sdk-server.mjs
Environment=AGENT_SDK=$lib/node_modules/@anthropic-ai/claude-agent-sdk HOLD=1
Environment=CLAUDE_LAUNCH_CLAUDE=$lib/claude/claude PATH=$lib/claude:$bin:/usr/bin:/bin
Environment=ANTHROPIC_BASE_URL=http://127.0.0.1:8080 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_TELEMETRY=1 DISABLE_AUTOUPDATER=1 DISABLE_ERROR_REPORTING=1
EOC
	systemctl daemon-reload
	sleep 1 # a second of its own for --since
	since=$(date "+%Y-%m-%d %H:%M:%S")
	start=$(date +%s)
	systemctl start t3-serve@root.service
	waitfor t3-serve@root.service "^done" 400 "$since" || echo "the $v server did not finish"
	echo "RESULT $v.seconds=$(($(date +%s) - start))"
	sleep 3 # two sweeps of the watcher
	cg=/sys/fs/cgroup$(systemctl show -p ControlGroup --value t3-serve@root.service)
	echo "RESULT $v.cgroups_left=$(ls "$cg/agents" 2>/dev/null | grep -E '^(agent|proc)-' | tr '\n' ' ' | sed 's/ $//')"
	echo "RESULT $v.ActiveState=$(systemctl show -p ActiveState --value t3-serve@root.service)"
	journalctl -u t3-serve@root.service -o cat --since "$since" | sed "s/^/[sdk-$v] /"
	systemctl stop t3-serve@root.service
	kill $api
	wait $api 2>/dev/null
done
echo "=== SDKTEST end"
systemctl poweroff --no-block
