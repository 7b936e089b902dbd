#!/usr/bin/env bash
# Requests/s of `perfcluster run` (closed model, no think time, every latency recorded into HDR
# histograms) next to `wrk -t1` with the same connection count, against nginx on 127.0.0.1; also
# `perfcluster run --workers 2`, and the peers hey, autocannon and locust (FastHttpUser, one process)
# unless PEERS says otherwise (PEERS="" skips them).
# Runs alternate (wrk, perfcluster, wrk, ...) RUNS times; prints each run, the medians and the ratio,
# and ends with one line "RESULT name=value ...".
# Usage: bench/throughput.sh   (env: RUNS=3 DURATION=10 CONNECTIONS=64)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
PEERS=${PEERS-"hey autocannon locust"}
OUT=bench/out
mkdir -p "$OUT"

need() { command -v "$1" >/dev/null 2>&1 || { echo "installing $2"; apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need nginx nginx
need wrk wrk
[ -x /usr/bin/time ] || need /usr/bin/time time
for p in $PEERS; do
  case $p in
    hey) need hey hey ;;
    locust) need locust python3-locust ;;
    autocannon) command -v autocannon >/dev/null || npm install -g autocannon >/dev/null 2>&1 ;;
  esac
done

echo "building perfcluster (Release)"
dotnet publish src/PerfCluster -c Release -r linux-x64 --self-contained false -o "$OUT/perfcluster" --nologo -v quiet >/dev/null

nginx -c "$PWD/bench/nginx.conf" -p "$OUT" &
NGINX=$!
trap 'kill $NGINX 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf http://127.0.0.1:18080/ >/dev/null 2>&1 && break; sleep 0.1; done

# Prints "rps cpu_seconds requests"
run_wrk() {
  local out; out=$(/usr/bin/time -f "TIME %U %S" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" http://127.0.0.1:18080/ 2>&1)
  local rps; rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  local req; req=$(awk '/requests in/ {print $1}' <<<"$out")
  local cpu; cpu=$(awk '/^TIME/ {print $2 + $3}' <<<"$out")
  echo "$rps $cpu $req"
}
run_perfcluster() {
  local dir="$OUT/run-$1"; rm -rf "$dir"; shift
  local out; out=$(BENCH_CONNECTIONS=$CONNECTIONS BENCH_DURATION="${DURATION}s" /usr/bin/time -f "TIME %U %S" \
    "$OUT/perfcluster/perfcluster" run bench/scenarios/nginx-closed.conf --out "$dir" "$@" 2>&1 >/dev/null)
  python3 - "$dir/report.json" "$(awk '/^TIME/ {print $2 + $3}' <<<"$out")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = next(iter(r["load_tests"].values()))
print(t["throughput"], sys.argv[2], t["requests"], t["generator"]["cpu_seconds"])
PY
}

# Each peer prints "rps cpu_seconds requests".
run_peer() {
  local out
  case $1 in
    hey)
      out=$(/usr/bin/time -f "TIME %U %S" hey -z "${DURATION}s" -c "$CONNECTIONS" http://127.0.0.1:18080/ 2>&1)
      awk '/Requests\/sec/ {r=$2} /^TIME/ {c=$2+$3} END {printf "%s %s %d\n", r, c, r * '"$DURATION"'}' <<<"$out" ;;
    autocannon)
      out=$(/usr/bin/time -f "TIME %U %S" autocannon -j -c "$CONNECTIONS" -d "$DURATION" http://127.0.0.1:18080/ 2>&1)
      python3 -c 'import json,sys; t=sys.stdin.read(); j=json.loads(t[t.index("{"):t.rindex("}")+1]); c=[l for l in t.splitlines() if l.startswith("TIME")][0].split(); print(j["requests"]["total"]/j["duration"], float(c[1])+float(c[2]), j["requests"]["total"])' <<<"$out" ;;
    locust)
      local dir; dir=$(mktemp -d)
      out=$(/usr/bin/time -f "TIME %U %S" locust -f bench/locustfile.py --headless -u "$CONNECTIONS" -r "$CONNECTIONS" -t "${DURATION}s" \
        --host http://127.0.0.1:18080 --csv "$dir/l" --only-summary 2>&1)
      python3 - "$dir/l_stats.csv" "$(awk '/^TIME/ {print $2 + $3}' <<<"$out")" <<'PY'
import csv, sys
row = [r for r in csv.DictReader(open(sys.argv[1])) if r["Name"] == "Aggregated"][0]
print(row["Requests/s"], sys.argv[2], row["Request Count"])
PY
      rm -rf "$dir" ;;
  esac
}
declare -A PEER_RPS PEER_CPU
declare -a WRK_RPS PC_RPS WRK_CPU PC_CPU W2_RPS W2_CPU
for i in $(seq "$RUNS"); do
  read -r r c n < <(run_wrk); WRK_RPS+=("$r"); WRK_CPU+=("$(awk -v c="$c" -v n="$n" 'BEGIN {printf "%.2f", c / n * 1e6}')")
  echo "run $i wrk -t1 -c$CONNECTIONS: $r req/s, ${WRK_CPU[-1]} us CPU/request"
  read -r r c n g < <(run_perfcluster "$i"); PC_RPS+=("$r"); PC_CPU+=("$(awk -v c="$g" -v n="$n" 'BEGIN {printf "%.2f", c / n * 1e6}')")
  echo "run $i perfcluster $CONNECTIONS users: $r req/s, ${PC_CPU[-1]} us CPU/request (during load; process total incl. start-up ${c}s)"
  read -r r c n g < <(run_perfcluster "w$i" --workers 2); W2_RPS+=("$r"); W2_CPU+=("$(awk -v c="$g" -v n="$n" 'BEGIN {printf "%.2f", c / n * 1e6}')")
  echo "run $i perfcluster --workers 2, $CONNECTIONS users: $r req/s, ${W2_CPU[-1]} us CPU/request (workers' CPU during load)"
  for p in $PEERS; do
    read -r r c n < <(run_peer "$p")
    PEER_RPS[$p]+="$r "; PEER_CPU[$p]+="$(awk -v c="$c" -v n="$n" 'BEGIN {printf "%.2f", (n > 0 ? c / n * 1e6 : 0)}') "
    echo "run $i $p -c$CONNECTIONS: $r req/s"
  done
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
W=$(median "${WRK_RPS[@]}"); P=$(median "${PC_RPS[@]}")
WC=$(median "${WRK_CPU[@]}"); PCC=$(median "${PC_CPU[@]}")
W2=$(median "${W2_RPS[@]}"); W2C=$(median "${W2_CPU[@]}")
W2_RATIO=$(awk -v a="$W2" -v b="$P" 'BEGIN {printf "%.2f", a / b}')
RATIO=$(awk -v p="$P" -v w="$W" 'BEGIN {printf "%.2f", p / w}')
CPU_RATIO=$(awk -v p="$PCC" -v w="$WC" 'BEGIN {printf "%.2f", p / w}')
echo
echo "median of $RUNS runs, $CONNECTIONS connections, ${DURATION}s each, nginx 2-byte body on 127.0.0.1, $(nproc) cores shared"
printf '%-14s %12s %16s\n' tool "req/s" "us CPU/request"
printf '%-14s %12.0f %16s\n' "wrk -t1" "$W" "$WC"
printf '%-14s %12.0f %16s\n' perfcluster "$P" "$PCC"
printf '%-14s %12.0f %16s\n' "perfcluster-w2" "$W2" "$W2C"
PEER_RESULT=""
for p in $PEERS; do
  # shellcheck disable=SC2086
  pr=$(median ${PEER_RPS[$p]}); pc=$(median ${PEER_CPU[$p]})
  printf '%-14s %12.0f %16s\n' "$p" "$pr" "$pc"
  PEER_RESULT+=" ${p}_rps=$pr ${p}_ratio=$(awk -v a="$pr" -v b="$W" 'BEGIN {printf "%.2f", a / b}')"
done
echo "perfcluster/wrk throughput ratio: $RATIO; CPU per request ratio: $CPU_RATIO; --workers 2 / single process: $W2_RATIO"
echo "RESULT wrk_rps=$W perfcluster_rps=$P ratio=$RATIO wrk_cpu_us=$WC perfcluster_cpu_us=$PCC cpu_ratio=$CPU_RATIO workers2_rps=$W2 workers2_vs_single=$W2_RATIO$PEER_RESULT connections=$CONNECTIONS duration_s=$DURATION runs=$RUNS"
