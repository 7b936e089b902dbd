#!/usr/bin/env bash
# Redis steps against redis-benchmark: GET with 50 users (bench/scenarios/redis-get.conf) beside
# `redis-benchmark -t get -c 50 -P 1` (no pipelining by either user: one command at a time per client), alternating,
# against a redis-server this script starts on 127.0.0.1:16390 (100,000 keys set first). Goal: PerfCluster's GETs/s
# >= 0.7x redis-benchmark's requests/s. RUNS, DURATION, CLIENTS and CONNECTIONS (StackExchange.Redis multiplexers,
# default 1) set the shape. Ends with one RESULT line.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-50}
CONNECTIONS=${CONNECTIONS:-1}
PORT=16390
OUT=bench/out
mkdir -p "$OUT"

need() { command -v "$1" >/dev/null 2>&1 || { echo "installing $2"; apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need redis-server redis-server
need redis-benchmark redis-tools

redis-server --port $PORT --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do redis-cli -p $PORT ping >/dev/null 2>&1 && break; sleep 0.1; done
echo "filling 100,000 keys"
redis-benchmark -p $PORT -t set -n 200000 -r 100000 -c 50 -q >/dev/null

echo "building perfcluster (Release)"
dotnet publish src/PerfCluster -c Release -r linux-x64 --self-contained false -o "$OUT/perfcluster" --nologo -v quiet >/dev/null

run_perfcluster() {
  local dir="$OUT/redis-$1"; rm -rf "$dir"
  BENCH_USERS=$CLIENTS BENCH_DURATION="${DURATION}s" BENCH_REDIS="127.0.0.1:$PORT" BENCH_REDIS_CONNECTIONS=$CONNECTIONS \
    "$OUT/perfcluster/perfcluster" run bench/scenarios/redis-get.conf --out "$dir" >/dev/null 2>&1 || true
  python3 - "$dir/report.json" <<'PY'
import json, sys
t = next(iter(json.load(open(sys.argv[1]))["load_tests"].values()))
print(t["throughput"], t["latency"]["p99"] * 1000, t["errors"], t["generator"]["cpu_seconds"] / max(1, t["requests"]) * 1e6)
PY
}

# redis-benchmark runs a count, not a time: size it to about DURATION seconds from a short probe.
probe=$(redis-benchmark -p $PORT -t get -n 100000 -r 100000 -c "$CLIENTS" -P 1 --csv 2>/dev/null | awk -F'"' '/GET/ {print int($4)}')
N=$(( probe * DURATION ))
run_redis_benchmark() {
  redis-benchmark -p $PORT -t get -n "$N" -r 100000 -c "$CLIENTS" -P 1 --csv 2>/dev/null | awk -F'"' '/GET/ {print $4}'
}

declare -a P B PP
for i in $(seq "$RUNS"); do
  read -r r p99 e cpu < <(run_perfcluster "$i"); P+=("$r"); PP+=("$p99")
  echo "run $i perfcluster, $CLIENTS users on $CONNECTIONS connection(s): $r GETs/s, p99 $p99 ms, $e errors, $cpu us CPU/GET"
  b=$(run_redis_benchmark); B+=("$b")
  echo "run $i redis-benchmark -t get -c $CLIENTS -P 1: $b requests/s"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
PM=$(median "${P[@]}"); BM=$(median "${B[@]}")
RATIO=$(awk -v a="$PM" -v b="$BM" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
echo
echo "median of $RUNS runs, $CLIENTS clients, ${DURATION}s each, redis-server on 127.0.0.1, $(nproc) cores shared by server and client"
echo "RESULT perfcluster_gets=$PM redis_benchmark_rps=$BM ratio=$RATIO p99_ms=$(median "${PP[@]}") clients=$CLIENTS connections=$CONNECTIONS duration_s=$DURATION runs=$RUNS"
