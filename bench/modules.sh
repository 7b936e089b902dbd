#!/usr/bin/env bash
# Module steps: a no-op module (bench/modules/NoOp.cs, bench/scenarios/module-noop.conf) called by one virtual user
# pinned to one core (taskset -c CORE), beside the floor any tool has: one async loop awaiting the same no-op and timing
# each call into an HDR recorder (bench/PerfCluster.ModuleBench), on the same core, alternating. Goal: at least 500,000
# module operations/s on one core, i.e. PerfCluster adds at most 2 us per operation. Then, unless EXAMPLES=0, the
# shipped example modules (hocon/scenarios/modules.conf) once, with each one's scalability E. RUNS, DURATION, USERS and
# CORE set the shape. Ends with one RESULT line.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
USERS=${USERS:-1}
CORE=${CORE:-0}
EXAMPLES=${EXAMPLES:-1}
OUT=bench/out
mkdir -p "$OUT"
command -v taskset >/dev/null || { echo "taskset (util-linux) is needed to pin to one core"; exit 2; }

echo "building perfcluster and the floor loop (Release)"
dotnet publish src/PerfCluster -c Release -r linux-x64 --self-contained false -o "$OUT/perfcluster" --nologo -v quiet >/dev/null
dotnet publish bench/PerfCluster.ModuleBench -c Release -r linux-x64 --self-contained false -o "$OUT/modulebench" --nologo -v quiet >/dev/null

run_perfcluster() {
  local dir="$OUT/modules-$1"; rm -rf "$dir"
  BENCH_USERS=$USERS BENCH_DURATION="${DURATION}s" taskset -c "$CORE" \
    "$OUT/perfcluster/perfcluster" run bench/scenarios/module-noop.conf --out "$dir" >/dev/null 2>&1 || true
  python3 - "$dir/report.json" <<'PY'
import json, sys
t = next(iter(json.load(open(sys.argv[1]))["load_tests"].values()))
print(round(t["throughput"]), t["errors"], round(t["generator"]["cpu_seconds"] / max(1, t["requests"]) * 1e9))
PY
}

declare -a P F
for i in $(seq "$RUNS"); do
  read -r ops errors cpu < <(run_perfcluster "$i"); P+=("$ops")
  echo "run $i perfcluster, $USERS user(s) on core $CORE: $ops module operations/s, $errors errors, $cpu ns CPU/operation"
  read -r floor bare < <(taskset -c "$CORE" "$OUT/modulebench/PerfCluster.ModuleBench" "$DURATION"); F+=("$floor")
  echo "run $i floor loop on core $CORE: $floor timed calls/s ($bare untimed)"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
PM=$(median "${P[@]}"); FM=$(median "${F[@]}")
RATIO=$(awk -v a="$PM" -v b="$FM" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}')
ADDED=$(awk -v a="$PM" -v b="$FM" 'BEGIN {printf "%.2f", (a > 0 && b > 0 ? (1e6 / a - 1e6 / b) : 0)}')
GOAL=$(awk -v a="$PM" 'BEGIN {print (a >= 500000 ? "met" : "missed")}')

EXAMPLE_FIGURES=""
if [ "$EXAMPLES" != "0" ]; then
  echo
  echo "the example modules (hocon/scenarios/modules.conf, all $(nproc) cores)"
  dir="$OUT/modules-examples"; rm -rf "$dir"
  "$OUT/perfcluster/perfcluster" run hocon/scenarios/modules.conf --out "$dir" >/dev/null 2>&1 || true
  EXAMPLE_FIGURES=$(python3 - "$dir/report.json" <<'PY'
import json, sys
for name, m in json.load(open(sys.argv[1]))["module_performance"].items():
    s = m["scalability"]
    verdict = "pass" if m["passed"] else "fail"
    print(f'{name}: E {m["scalability_score"]:.2f} ({s["ci95_low"]:.2f}-{s["ci95_high"]:.2f}), '
          f'{s["ops_per_second_at_n"]:.0f} -> {s["ops_per_second_at_2n"]:.0f} ops/s at {s["users"]} -> {2 * s["users"]} users, '
          f'p95 {m["latency"]["p95"] * 1000:.2f} ms, {verdict}')
PY
)
  echo "$EXAMPLE_FIGURES"
fi

echo
echo "median of $RUNS runs, ${DURATION}s each, pinned to core $CORE; the floor loop times each call like PerfCluster does"
echo "RESULT perfcluster_ops=$PM floor_ops=$FM ratio=$RATIO added_us_per_op=$ADDED goal_500k=$GOAL users=$USERS duration_s=$DURATION runs=$RUNS"
