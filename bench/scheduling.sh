#!/usr/bin/env bash
# Scheduling precision of the open model: a constant 10,000 iterations/s against nginx on 127.0.0.1
# for 20 s; prints the achieved rate against the target, dropped iterations and the scheduling lag
# (how late iterations started after their intended instant). Ends with "RESULT ...".
# Usage: bench/scheduling.sh   (env: RUNS=3 RATE=10000)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
RATE=${RATE:-10000}
OUT=bench/out
mkdir -p "$OUT"
command -v nginx >/dev/null || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }
dotnet publish src/PerfCluster -c Release -r linux-x64 --self-contained false -o "$OUT/perfcluster" --nologo -v quiet >/dev/null
nginx -c "$PWD/bench/nginx.conf" -p "$OUT" &
NGINX=$!
trap 'kill $NGINX 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:18080/ && break; sleep 0.1; done

declare -a ACC LAG
for i in $(seq "$RUNS"); do
  rm -rf "$OUT/sched-$i"
  BENCH_RATE=$RATE "$OUT/perfcluster/perfcluster" run bench/scenarios/nginx-open.conf --out "$OUT/sched-$i" >/dev/null 2>&1 || true
  read -r acc lag line < <(python3 - "$OUT/sched-$i/report.json" "$RATE" <<'PY'
import json, sys
t = next(iter(json.load(open(sys.argv[1]))["load_tests"].values()))
rate = float(sys.argv[2])
started = t["requests"] + t.get("dropped_iterations", 0)
def seconds(text):   # the scenario block's exact durations: "30s", "1500ms", "1234567800ns"
    for unit, factor in (("ns", 1e-9), ("ms", 1e-3), ("s", 1.0)):
        if text.endswith(unit): return float(text[:-len(unit)]) * factor
achieved = started / seconds(t["scenario"]["duration"])
lag = t.get("scheduling_lag") or {}
print(f"{100 * (achieved - rate) / rate:+.2f} {lag.get('p99', 0) * 1000:.3f} "
      f"achieved {achieved:.0f}/s of {rate:.0f}/s; {t['requests']} sent, {t.get('dropped_iterations', 0)} dropped; "
      f"lag p50 {lag.get('p50', 0)*1000:.3f} ms p99 {lag.get('p99', 0)*1000:.3f} ms max {lag.get('max', 0)*1000:.1f} ms; "
      f"generator CPU {t['generator']['cpu_percent_of_machine']:.0f}% of the machine")
PY
)
  ACC+=("$acc"); LAG+=("$lag")
  echo "run $i: $line"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "median of $RUNS runs: rate error $(median "${ACC[@]}")% (goal within 1%), scheduling lag p99 $(median "${LAG[@]}") ms (goal under 5 ms)"
echo "RESULT rate_error_pct=$(median "${ACC[@]}") lag_p99_ms=$(median "${LAG[@]}") rate=$RATE runs=$RUNS"
