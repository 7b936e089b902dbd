#!/usr/bin/env bash
# The journey against the plain loop and Locust: the 4-step shop journey (JSON extraction, templated bodies, checks,
# a cookie jar per user; bench/scenarios/journey.conf) beside the plain single-request loop (bench/scenarios/shop-plain.conf)
# and Locust's FastHttpUser running the same journey (bench/locustfile_journey.py), alternating, against
# `perfcluster target --latency 0` on 127.0.0.1. Goals: journey requests/s >= 0.7x the plain loop's and >= 20x Locust's.
# RUNS, DURATION and USERS set the shape (defaults 3, 10 s, 64). Ends with one RESULT line.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
USERS=${USERS:-64}
OUT=bench/out
mkdir -p "$OUT"

need() { command -v "$1" >/dev/null 2>&1 || { echo "installing $2"; apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need locust python3-locust

echo "building perfcluster (Release)"
dotnet publish src/PerfCluster -c Release -r linux-x64 --self-contained false -o "$OUT/perfcluster" --nologo -v quiet >/dev/null

"$OUT/perfcluster/perfcluster" target --port 18090 --latency 0ms --jitter 0ms >/dev/null 2>&1 &
TARGET=$!
trap 'kill $TARGET 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:18090/__stats >/dev/null 2>&1 && break; sleep 0.1; done

run_perfcluster() {
  local dir="$OUT/journey-$1"; rm -rf "$dir"
  BENCH_USERS=$USERS BENCH_DURATION="${DURATION}s" "$OUT/perfcluster/perfcluster" run "bench/scenarios/$2.conf" --out "$dir" >/dev/null 2>&1 || true
  python3 - "$dir/report.json" <<'PY'
import json, sys
t = next(iter(json.load(open(sys.argv[1]))["load_tests"].values()))
print(t["throughput"], t["latency"]["p99"] * 1000, t["errors"], t["generator"]["cpu_seconds"] / max(1, t["requests"]) * 1e6)
PY
}

run_locust() {
  local dir; dir=$(mktemp -d)
  locust -f bench/locustfile_journey.py --headless -u "$USERS" -r "$USERS" -t "${DURATION}s" --host http://127.0.0.1:18090 \
    --csv "$dir/l" --only-summary >/dev/null 2>&1 || true
  python3 - "$dir/l_stats.csv" <<'PY'
import csv, sys
row = [r for r in csv.DictReader(open(sys.argv[1])) if r["Name"] == "Aggregated"][0]
print(row["Requests/s"], row["99%"], row["Failure Count"])
PY
  rm -rf "$dir"
}

declare -a J P L JP PP JC PC
for i in $(seq "$RUNS"); do
  curl -sf -X DELETE http://127.0.0.1:18090/__stats >/dev/null
  read -r r p99 e cpu < <(run_perfcluster "j$i" journey); J+=("$r"); JP+=("$p99"); JC+=("$cpu")
  echo "run $i journey, $USERS users: $r req/s, p99 $p99 ms, $e errors, $cpu us CPU/request"
  read -r r p99 e cpu < <(run_perfcluster "p$i" shop-plain); P+=("$r"); PP+=("$p99"); PC+=("$cpu")
  echo "run $i plain loop, $USERS users: $r req/s, p99 $p99 ms, $e errors, $cpu us CPU/request"
  curl -sf -X DELETE http://127.0.0.1:18090/__stats >/dev/null
  read -r r p99 e < <(run_locust); L+=("$r")
  echo "run $i locust journey, $USERS users: $r req/s, p99 $p99 ms, $e failures"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
JM=$(median "${J[@]}"); PM=$(median "${P[@]}"); LM=$(median "${L[@]}")
VS_PLAIN=$(awk -v a="$JM" -v b="$PM" 'BEGIN {printf "%.2f", a / b}')
VS_LOCUST=$(awk -v a="$JM" -v b="$LM" 'BEGIN {printf "%.1f", (b > 0 ? a / b : 0)}')
echo
echo "median of $RUNS runs, $USERS users, ${DURATION}s each, perfcluster target --latency 0 on 127.0.0.1, $(nproc) cores shared"
echo "journey $JM req/s (p99 $(median "${JP[@]}") ms, $(median "${JC[@]}") us CPU/request); plain loop $PM req/s (p99 $(median "${PP[@]}") ms, $(median "${PC[@]}") us CPU/request); locust journey $LM req/s"
echo "RESULT journey_rps=$JM plain_rps=$PM locust_rps=$LM journey_vs_plain=$VS_PLAIN journey_vs_locust=$VS_LOCUST users=$USERS duration_s=$DURATION runs=$RUNS"
