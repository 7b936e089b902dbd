#!/usr/bin/env bash
# Memory and spawn rate of virtual users: N closed-model users that send one request each and then
# think for an hour, at N = 10k, 100k and 1M, on one worker. Prints the generator's peak working set
# per user (above a 1-user run) and how fast the users were started. Ends with "RESULT ...".
# Usage: bench/memory.sh   (env: SIZES="10000 100000 1000000")
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"10000 100000 1000000"}
# SCENARIO=idle-journey measures journey users (three variables, cookies on) instead of plain ones.
OUT=bench/out
mkdir -p "$OUT"
command -v nginx >/dev/null || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }
dotnet publish src/PerfCluster -c Release -r linux-x64 --self-contained false -o "$OUT/perfcluster" --nologo -v quiet >/dev/null
nginx -c "$PWD/bench/nginx.conf" -p "$OUT" &
NGINX=$!
trap 'kill $NGINX 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:18080/ && break; sleep 0.1; done

figures() {
  python3 - "$1" "$2" <<'PY'
import json, sys
t = next(iter(json.load(open(sys.argv[1]))["load_tests"].values()))
users = int(sys.argv[2])
full = next((w["second"] + 1 for w in t["timeline"] if w["active_users"] >= users), None)
print(t["generator"]["peak_working_set_bytes"], t["peak_users"], full if full is not None else -1)
PY
}
run() {
  rm -rf "$OUT/mem-$1"
  BENCH_USERS=$1 BENCH_DURATION=${2:-30s} "$OUT/perfcluster/perfcluster" run "bench/scenarios/${SCENARIO:-idle-users}.conf" --out "$OUT/mem-$1" >/dev/null 2>&1 || true
  figures "$OUT/mem-$1/report.json" "$1"
}
read -r BASE _ _ < <(run 1 10s)
echo "1 user: peak working set $((BASE / 1048576)) MiB (baseline)"
RESULT=""
for n in $SIZES; do
  read -r ws peak full < <(run "$n" 40s)
  per=$(( (ws - BASE) / n ))
  rate=$([ "$full" -gt 0 ] && echo $((n / full)) || echo 0)
  echo "$n users: peak users $peak, peak working set $((ws / 1048576)) MiB, $per bytes per user, all started within ${full} s (>= $rate users/s)"
  RESULT+=" users_${n}_bytes_per_user=$per users_${n}_started_s=$full"
done
echo "RESULT$RESULT baseline_bytes=$BASE"
