#!/usr/bin/env bash
# Requests/s of `perfcluster run` over HTTP/2 (http.version = 2, C connections x S streams, one user per stream, every
# latency recorded) next to `h2load -c C -m S` against the same cleartext HTTP/2 (h2c) server: nginx on 127.0.0.1
# (bench/nginx-h2.conf), or the demo target's h2c port with SERVER=target. Runs alternate (h2load, perfcluster, ...)
# RUNS times per shape; prints each run, the medians and the ratio, and ends with one line "RESULT ...".
# Also times the raw SocketsHttpHandler (bench/PerfCluster.DriverBench h2) at the same shape: the runtime's HTTP/2
# client PerfCluster's HTTP/2 steps use, and so their ceiling.
# Usage: bench/http2.sh   (env: RUNS=3 DURATION=10 SHAPES="1x100 2x16 8x8" SERVER=nginx|target)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
SHAPES=${SHAPES:-"1x100 2x16 8x8"}
SERVER=${SERVER:-nginx}
OUT=bench/out
mkdir -p "$OUT"

need() { command -v "$1" >/dev/null 2>&1 || { echo "installing $2"; apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need h2load nghttp2-client
[ -x /usr/bin/time ] || need /usr/bin/time time
[ "$SERVER" = nginx ] && need nginx nginx

echo "building perfcluster (Release)"
dotnet publish src/PerfCluster -c Release -r linux-x64 --self-contained false -o "$OUT/perfcluster" --nologo -v quiet >/dev/null
dotnet build bench/PerfCluster.DriverBench -c Release --nologo -v quiet >/dev/null

if [ "$SERVER" = nginx ]; then
  URL=http://127.0.0.1:18082/
  nginx -c "$PWD/bench/nginx-h2.conf" -p "$OUT" &
else
  URL=http://127.0.0.1:18083/
  "$OUT/perfcluster/perfcluster" target --port 18084 --h2c-port 18083 --latency 0ms --jitter 0ms >/dev/null &
fi
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do h2load -n 1 "$URL" >/dev/null 2>&1 && break; sleep 0.1; done

# Each prints "rps cpu_us_per_request".
run_h2load() {
  local out; out=$(/usr/bin/time -f "TIME %U %S" h2load -c "$1" -m "$2" -D "$DURATION" "$URL" 2>&1)
  awk '/finished in/ {r=$4} /^requests:/ {n=$2} /^TIME/ {c=$2+$3} END {printf "%s %.2f\n", r, (n > 0 ? c / n * 1e6 : 0)}' <<<"$out"
}
run_perfcluster() {
  local dir="$OUT/h2-run"; rm -rf "$dir"
  BENCH_TARGET="$URL" BENCH_CONNECTIONS=$1 BENCH_STREAMS=$2 BENCH_USERS=$(($1 * $2)) BENCH_DURATION="${DURATION}s" \
    "$OUT/perfcluster/perfcluster" run bench/scenarios/nginx-h2.conf --out "$dir" >/dev/null 2>&1 || true
  python3 - "$dir/report.json" <<'PY'
import json, sys
t = next(iter(json.load(open(sys.argv[1]))["load_tests"].values()))
assert t["errors"] == 0, f'{t["errors"]} errors'
print(t["throughput"], "%.2f" % (t["generator"]["cpu_seconds"] / t["requests"] * 1e6))
PY
}
run_raw() {
  dotnet bench/PerfCluster.DriverBench/bin/Release/net10.0/PerfCluster.DriverBench.dll h2 "$URL" "$1" "$2" "$DURATION"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
RESULT=""
declare -a TABLE
for shape in $SHAPES; do
  c=${shape%x*}; s=${shape#*x}
  declare -a H=() HC=() P=() PC=() R=()
  for i in $(seq "$RUNS"); do
    read -r r u < <(run_h2load "$c" "$s"); H+=("$r"); HC+=("$u")
    echo "run $i ${c}x${s} h2load: $r req/s, $u us CPU/request"
    read -r r u < <(run_perfcluster "$c" "$s"); P+=("$r"); PC+=("$u")
    echo "run $i ${c}x${s} perfcluster: $r req/s, $u us CPU/request"
    read -r r u < <(run_raw "$c" "$s"); R+=("$r")
    echo "run $i ${c}x${s} SocketsHttpHandler alone: $r req/s, $u us CPU/request"
  done
  h=$(median "${H[@]}"); p=$(median "${P[@]}"); raw=$(median "${R[@]}")
  hc=$(median "${HC[@]}"); pc=$(median "${PC[@]}")
  ratio=$(awk -v a="$p" -v b="$h" 'BEGIN {printf "%.2f", a / b}')
  of_raw=$(awk -v a="$p" -v b="$raw" 'BEGIN {printf "%.2f", a / b}')
  TABLE+=("$(printf '%-7s %12.0f %12.0f %12.0f %8s %10s %10s %10s' "${c}x${s}" "$h" "$p" "$raw" "$ratio" "$of_raw" "$hc" "$pc")")
  RESULT+=" ${c}x${s}_h2load=$h ${c}x${s}_perfcluster=$p ${c}x${s}_ratio=$ratio ${c}x${s}_of_handler=$of_raw"
done
echo
echo "median of $RUNS runs, ${DURATION}s each, $SERVER h2c on 127.0.0.1, $(nproc) cores shared by load and server"
printf '%-7s %12s %12s %12s %8s %10s %10s %10s\n' "CxS" "h2load" "perfcluster" "handler" "ratio" "of handler" "h2load us" "pc us"
printf '%s\n' "${TABLE[@]}"
echo "RESULT server=$SERVER$RESULT duration_s=$DURATION runs=$RUNS"
