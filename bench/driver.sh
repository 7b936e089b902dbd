#!/usr/bin/env bash
# Requests/s and CPU per request of the request drivers themselves: FastHttpDriver and HttpDriver
# (SocketsHttpHandler), each called directly from N async loops (bench/PerfCluster.DriverBench: no
# actors, no think time, every latency recorded into HDR histograms), next to `wrk -t1` with the same
# connection count, against nginx on 127.0.0.1 (bench/nginx.conf). Runs alternate (wrk, fast,
# socketshttphandler) RUNS times; prints each run, the medians and the ratios, and ends with one line
# "RESULT name=value ...".
# Usage: bench/driver.sh   (env: RUNS=3 DURATION=10 CONNECTIONS=64 WARMUP=2)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
WARMUP=${WARMUP:-2}
OUT=bench/out
URL=http://127.0.0.1:18080/
mkdir -p "$OUT"

need() { command -v "$1" >/dev/null 2>&1 || { echo "installing $2"; apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need nginx nginx
need wrk wrk
[ -x /usr/bin/time ] || need /usr/bin/time time

echo "building the driver benchmark (Release)"
dotnet build bench/PerfCluster.DriverBench -c Release -o "$OUT/driverbench" --nologo -v quiet >/dev/null

nginx -c "$PWD/bench/nginx.conf" -p "$OUT" &
NGINX=$!
trap 'kill $NGINX 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "$URL" >/dev/null 2>&1 && break; sleep 0.1; done

# Prints "rps us_cpu_per_request"
run_wrk() {
  local out; out=$(/usr/bin/time -f "TIME %U %S" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$URL" 2>&1)
  local rps; rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  local req; req=$(awk '/requests in/ {print $1}' <<<"$out")
  local cpu; cpu=$(awk '/^TIME/ {print $2 + $3}' <<<"$out")
  awk -v r="$rps" -v c="$cpu" -v n="$req" 'BEGIN {printf "%s %.2f\n", r, c / n * 1e6}'
}
# Prints "rps us_cpu_per_request" (CPU of the benchmark process over the measured period, after warm-up)
run_driver() {
  local out; out=$(dotnet "$OUT/driverbench/PerfCluster.DriverBench.dll" "$1" "$URL" "$CONNECTIONS" "$DURATION" "$WARMUP")
  sed -E 's/.* rps=([0-9.]+) cpu_us=([0-9.]+) requests=([0-9]+) errors=([0-9]+) waits=([0-9]+).*/\1 \2 \4 \5/' <<<"$out"
}

declare -a WRK_RPS WRK_CPU FAST_RPS FAST_CPU SHH_RPS SHH_CPU
for i in $(seq "$RUNS"); do
  read -r r c < <(run_wrk); WRK_RPS+=("$r"); WRK_CPU+=("$c")
  echo "run $i wrk -t1 -c$CONNECTIONS: $r req/s, $c us CPU/request"
  read -r r c e w < <(run_driver fast); FAST_RPS+=("$r"); FAST_CPU+=("$c")
  echo "run $i FastHttpDriver, $CONNECTIONS loops: $r req/s, $c us CPU/request, $e errors, $w pool waits"
  read -r r c e w < <(run_driver socketshttphandler); SHH_RPS+=("$r"); SHH_CPU+=("$c")
  echo "run $i HttpDriver (SocketsHttpHandler), $CONNECTIONS loops: $r req/s, $c us CPU/request, $e errors"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
W=$(median "${WRK_RPS[@]}"); WC=$(median "${WRK_CPU[@]}")
F=$(median "${FAST_RPS[@]}"); FC=$(median "${FAST_CPU[@]}")
S=$(median "${SHH_RPS[@]}"); SC=$(median "${SHH_CPU[@]}")
echo
echo "median of $RUNS runs, $CONNECTIONS connections, ${DURATION}s each (drivers after ${WARMUP}s warm-up), nginx 2-byte body on 127.0.0.1, $(nproc) cores shared"
printf '%-22s %12s %16s %10s %10s\n' tool "req/s" "us CPU/request" "vs wrk" "CPU vs wrk"
printf '%-22s %12.0f %16s %10s %10s\n' "wrk -t1" "$W" "$WC" 1.00 1.00
printf '%-22s %12.0f %16s %10s %10s\n' "FastHttpDriver" "$F" "$FC" "$(ratio "$F" "$W")" "$(ratio "$FC" "$WC")"
printf '%-22s %12.0f %16s %10s %10s\n' "HttpDriver" "$S" "$SC" "$(ratio "$S" "$W")" "$(ratio "$SC" "$WC")"
echo "RESULT wrk_rps=$W fast_rps=$F sockets_rps=$S fast_ratio=$(ratio "$F" "$W") sockets_ratio=$(ratio "$S" "$W") wrk_cpu_us=$WC fast_cpu_us=$FC sockets_cpu_us=$SC fast_cpu_ratio=$(ratio "$FC" "$WC") sockets_cpu_ratio=$(ratio "$SC" "$WC") fast_vs_sockets=$(ratio "$F" "$S") connections=$CONNECTIONS duration_s=$DURATION runs=$RUNS"
