#!/usr/bin/env bash
# WebSocket echo round trips per second at SOCKETS sockets against the demo target's /ws/echo on 127.0.0.1: `perfcluster
# run` (one user per socket, send then receive until the matching echo, every round trip timed into HDR histograms)
# next to a Node `ws` client doing the same loop (bench/websocket/echo-peer.mjs). Runs alternate RUNS times; prints
# each run, the medians, the CPU per round trip and the ratio, and ends with one line "RESULT ...".
# Usage: bench/websocket.sh   (env: RUNS=3 DURATION=10 SOCKETS=64)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
SOCKETS=${SOCKETS:-64}
OUT=bench/out
mkdir -p "$OUT"

echo "building perfcluster (Release)"
dotnet publish src/PerfCluster -c Release -r linux-x64 --self-contained false -o "$OUT/perfcluster" --nologo -v quiet >/dev/null
[ -d bench/websocket/node_modules/ws ] || (cd bench/websocket && npm install --silent --no-audit --no-fund >/dev/null)

"$OUT/perfcluster/perfcluster" target --port 18090 --latency 0ms --jitter 0ms >/dev/null &
TARGET=$!
trap 'kill $TARGET 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:18090/__stats >/dev/null 2>&1 && break; sleep 0.1; done

# Each prints "round_trips_per_second cpu_us_per_round_trip".
run_perfcluster() {
  local dir="$OUT/ws-run"; rm -rf "$dir"
  BENCH_SOCKETS=$SOCKETS BENCH_DURATION="${DURATION}s" "$OUT/perfcluster/perfcluster" run bench/scenarios/websocket-echo.conf --out "$dir" >/dev/null 2>&1 || true
  python3 - "$dir/report.json" <<'PY'
import json, sys
t = next(iter(json.load(open(sys.argv[1]))["load_tests"].values()))
assert t["errors"] == 0, f'{t["errors"]} errors'
echo = t["endpoints"]["echo"]
print(echo["throughput"], "%.2f" % (t["generator"]["cpu_seconds"] / echo["requests"] * 1e6), echo["latency"]["p50"] * 1e3, echo["latency"]["p99"] * 1e3)
PY
}
run_peer() {
  node bench/websocket/echo-peer.mjs ws://127.0.0.1:18090/ws/echo "$SOCKETS" "$DURATION"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
declare -a P=() PC=() P50=() P99=() N=() NC=()
for i in $(seq "$RUNS"); do
  read -r r u p50 p99 < <(run_perfcluster); P+=("$r"); PC+=("$u"); P50+=("$p50"); P99+=("$p99")
  echo "run $i perfcluster $SOCKETS sockets: $r round trips/s, $u us CPU/round trip, p50 $p50 ms, p99 $p99 ms"
  read -r r u < <(run_peer); N+=("$r"); NC+=("$u")
  echo "run $i node ws $SOCKETS sockets: $r round trips/s, $u us CPU/round trip"
done
p=$(median "${P[@]}"); pc=$(median "${PC[@]}"); n=$(median "${N[@]}"); nc=$(median "${NC[@]}")
ratio=$(awk -v a="$p" -v b="$n" 'BEGIN {printf "%.2f", a / b}')
echo
echo "median of $RUNS runs, $SOCKETS sockets, ${DURATION}s each, demo target /ws/echo on 127.0.0.1, $(nproc) cores shared by load and server"
printf '%-12s %14s %18s\n' tool "round trips/s" "us CPU/round trip"
printf '%-12s %14.0f %18s\n' perfcluster "$p" "$pc"
printf '%-12s %14.0f %18s\n' "node ws" "$n" "$nc"
echo "perfcluster echo latency p50 $(median "${P50[@]}") ms, p99 $(median "${P99[@]}") ms; perfcluster/node ratio $ratio"
echo "RESULT perfcluster_rtps=$p perfcluster_cpu_us=$pc node_rtps=$n node_cpu_us=$nc ratio=$ratio sockets=$SOCKETS duration_s=$DURATION runs=$RUNS"
