#!/usr/bin/env bash
# Whole-process start-up benchmark of claude-launch, with /bin/true as the
# "claude" it execs: the bash script it replaces, a Go program that only
# execs (the floor of any Go launcher), and claude-launch on its fast path
# (env file present) and its two SSO paths (fresh negative cache; no Vault
# token). `go test -bench Startup` runs the cases in turn, so drift in the
# machine's speed hits them alike; this prints the medians over COUNT runs
# of the CPU time (user+system, launcher and child) and of the ratios.
#
#   scripts/bench.sh            # COUNT=10 BENCHTIME=300x
#   COUNT=20 scripts/bench.sh   # steadier
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=go1.27.3 # the Go releases are built with (Makefile)
count=${COUNT:-10}
benchtime=${BENCHTIME:-300x}
out=${BENCH_OUT:-bench.out}

# Both reports: each metric's values from the benchmark lines, and their
# median.
lib='
/^Benchmark/ { for (i = 3; i < NF; i += 2) v[$(i+1)] = v[$(i+1)] " " $i }
function median(s,   a, n, i, j, t) {
	n = split(s, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
'

go test -run '^$' -bench '^BenchmarkStartup$' -benchtime "$benchtime" -count "$count" ./cmd/claude-launch >"$out"

awk "$lib"'
END {
	printf "%-20s %12s %12s %10s\n", "case", "CPU ms", "vs Go floor", "vs bash"
	printf "%-20s %12.3f %12s %10s\n", "bash", median(v["bash-cpu-ms/op"]), "", "1"
	printf "%-20s %12.3f %12s %10.3f\n", "go-floor", median(v["go-floor-cpu-ms/op"]), "1", median(v["go-floor/bash"])
	split("fast sso-negative-cache sso-no-vault", c, " ")
	for (k = 1; k <= 3; k++)
		printf "%-20s %12.3f %12.3f %10.3f\n", c[k], median(v[c[k] "-cpu-ms/op"]), median(v[c[k] "/go-floor"]), median(v[c[k] "/bash"])
}' "$out"
echo "(medians of $count runs of $benchtime rounds; raw results in $out)"

# t3-serve-launch making its capped scope, against `systemd-run --scope`
# with the same properties, on the same systemd (a real one, started in
# namespaces: root only). Wall time, turn about; medians of the ratios.
if [[ $(id -u) != 0 ]]; then
	echo "scope: skipped (the systemd in namespaces needs root)"
	exit 0
fi
go test -run '^$' -bench '^BenchmarkScope$' -benchtime "${SCOPE_BENCHTIME:-20x}" -count "$count" ./cmd/t3-serve-launch >"$out.scope"
awk "$lib"'
END {
	printf "\n%-20s %12s\n", "scope", "wall ms"
	printf "%-20s %12.1f\n", "systemd-run --scope", median(v["systemd-run-ms/op"])
	printf "%-20s %12.1f  (%.2fx)\n", "t3-serve-launch", median(v["t3-serve-launch-ms/op"]), median(v["ratio"])
}' "$out.scope"
echo "(medians of $count runs; raw results in $out.scope)"
