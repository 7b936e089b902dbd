#!/usr/bin/env bash
# Open-model accuracy: PerfCluster at a constant arrival rate against a target whose true latency
# distribution is known by construction: it answers in a base time B (20 ms asked; timers and the
# loopback round trip add a little, so B is measured as wrk's median on the same target in the same
# run, outside freezes it is all wrk sees at p50) and freezes for the last 500 ms of every 5 s, so 10% of
# arrivals wait for the freeze to end, uniformly 0..500 ms: the true p-th percentile is B for p <= 90
# and B + 500 ms x (p - 90) / 10 above. Compares PerfCluster's p50, p95, p99 and p99.9 with that truth
# and shows what wrk (closed model, 64 connections) reports itself. Ends with one line "RESULT ...".
# Usage: bench/accuracy.sh   (env: RUNS=3 RATE=200)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
RATE=${RATE:-200}
OUT=bench/out
mkdir -p "$OUT"
command -v wrk >/dev/null || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

dotnet publish src/PerfCluster -c Release -r linux-x64 --self-contained false -o "$OUT/perfcluster" --nologo -v quiet >/dev/null
PC="$OUT/perfcluster/perfcluster"
"$PC" target --port 18090 --latency 20ms --jitter 0ms --freeze 500ms --freeze-every 5s >/dev/null &
TARGET=$!
trap 'kill $TARGET 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null http://127.0.0.1:18090/ && break; sleep 0.1; done

declare -a ERR WRK
for i in $(seq "$RUNS"); do
  w=$(wrk -t1 -c64 -d30s --latency http://127.0.0.1:18090/api/v1/tasks | awk '/^ +50%/ {p50=$2} /^ +90%/ {p90=$2} /^ +99%/ {p99=$2} END {print p50, p90, p99}')
  WRK+=("$w")
  echo "run $i wrk -c64 (closed model) on the same target: p50/p90/p99 = $w"
  base=$(awk '{v=$1; if (v ~ /us$/) {sub(/us$/, "", v); v/=1e6} else if (v ~ /ms$/) {sub(/ms$/, "", v); v/=1e3} else {sub(/s$/, "", v)} print v}' <<<"$w")
  rm -rf "$OUT/acc-$i"
  BENCH_RATE=$RATE "$PC" run bench/scenarios/freeze-open.conf --out "$OUT/acc-$i" >/dev/null 2>&1 || true
  line=$(python3 - "$OUT/acc-$i/report.json" "$base" <<'PY'
import json, sys
t = next(iter(json.load(open(sys.argv[1]))["load_tests"].values()))
base, freeze, share = float(sys.argv[2]), 0.500, 0.10          # 500 ms of every 5 s
def truth(q):
    return base if q <= 1 - share else base + freeze * (q - (1 - share)) / share
worst = 0
out = []
for name, q in (("p50", .50), ("p95", .95), ("p99", .99), ("p99_9", .999)):
    got, want = t["latency"][name], truth(q)
    err = abs(got - want) / want
    worst = max(worst, err)
    out.append(f"{name} {got*1000:.1f}ms (truth {want*1000:.1f}ms, {(got - want) / want * 100:+.1f}%)")
print(f"{worst*100:.2f} | " + "; ".join(out) + f" | service p50 {t['service_time']['p50']*1000:.1f}ms, dropped {t.get('dropped_iterations', 0)}, requests {t['requests']}")
PY
)
  ERR+=("${line%% |*}")
  echo "run $i perfcluster open model ${RATE}/s (base B = $(awk -v b="$base" 'BEGIN {printf "%.2f", b * 1000}') ms): ${line#* | }"
done
WORST=$(printf '%s\n' "${ERR[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo
echo "truth: p50 B, p95 B+250ms, p99 B+450ms, p99.9 B+495ms"
echo "median over $RUNS runs of PerfCluster's worst percentile error: ${WORST}% (goal: every percentile within 5%)"
echo "RESULT accuracy_worst_error_pct=$WORST rate=$RATE runs=$RUNS wrk_last=\"${WRK[-1]}\""
