#!/usr/bin/env bash
# Runs every benchmark under bench/ in turn (each installs the peers it needs from Debian) and
# collects their RESULT lines at the end. Takes about 40 minutes on a 2-core machine.
# Usage: scripts/bench.sh [throughput|scheduling|accuracy|memory|aggregator|driver|journey|sql|redis|modules|optimizer|http2|websocket ...]
set -uo pipefail
cd "$(dirname "$0")/.."
benches=("$@")
[ ${#benches[@]} -eq 0 ] && benches=(throughput driver scheduling accuracy aggregator memory journey sql redis modules optimizer http2 websocket)
results=()
for b in "${benches[@]}"; do
  echo "=== bench/$b.sh"
  out=$(bash "bench/$b.sh" 2>&1 | tee /dev/stderr)
  results+=("$b: $(grep "^RESULT" <<<"$out" | tail -n 1)")
done
echo
echo "=== results"
printf '%s\n' "${results[@]}"
