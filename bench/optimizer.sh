#!/usr/bin/env bash
# The optimiser (bench/PerfCluster.OptimizerBench): Bayesian search against random search and a grid with the same budget
# of 20 trials on noisy Branin and Hartmann-6 (the true value of each method's pick, as normalised regret (f - f*) /
# (median f - f*); "within 5 %" is a regret of 0.05 or less), the study loop itself on the demo target's tuning model
# (hocon/scenarios/optimize.conf, measurements simulated with the noise of a 4 s trial; trials until a configuration
# within 5 % of the known optimum was tried, and the pick against the optimum), and the time to propose a trial at 100
# trials in 6 dimensions. SEEDS sets the seeds (20). With REAL=1 it also runs the real loop once against a demo target
# on 127.0.0.1:18080 and prints its trials, gain and stop reason. Ends with RESULT lines.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-20}
REAL=${REAL:-0}
OUT=bench/out
mkdir -p "$OUT"

echo "building the optimiser bench (Release)"
dotnet publish bench/PerfCluster.OptimizerBench -c Release -r linux-x64 --self-contained false -o "$OUT/optimizerbench" --nologo -v quiet >/dev/null
"$OUT/optimizerbench/PerfCluster.OptimizerBench" "$SEEDS" hocon/scenarios/optimize.conf

if [ "$REAL" = 1 ]; then
  echo "the real loop against a demo target on 127.0.0.1:18080"
  dotnet publish src/PerfCluster -c Release -r linux-x64 --self-contained false -o "$OUT/perfcluster" --nologo -v quiet >/dev/null
  "$OUT/perfcluster/perfcluster" target --port 18080 >/dev/null 2>&1 &
  target=$!
  trap 'kill $target 2>/dev/null || true' EXIT
  sleep 2
  sed 's/127.0.0.1:8000/127.0.0.1:18080/g' hocon/scenarios/optimize.conf > "$OUT/optimize-real.conf"
  rm -rf "$OUT/optimize-real" "$OUT/optimize-data"
  start=$(date +%s)
  "$OUT/perfcluster/perfcluster" optimize "$OUT/optimize-real.conf" --out "$OUT/optimize-real" --data-dir "$OUT/optimize-data" >/dev/null 2>&1 || true
  python3 - "$OUT/optimize-real/report.json" "$(( $(date +%s) - start ))" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))["optimisation"]
print(f"RESULT real_loop trials={len(o['trials'])} stop='{o['stop_reason']}' gain={o['gain']:.3f} "
      f"ci95=[{o['gain_ci95_low']:.3f},{o['gain_ci95_high']:.3f}] best={o['best']} seconds={sys.argv[2]}")
PY
fi
