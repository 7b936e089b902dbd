#!/usr/bin/env bash
# SQL steps against pgbench: a single-row primary-key SELECT (bench/scenarios/pg-select.conf) beside `pgbench -S -M prepared`
# with the same clients and duration, alternating, against the local PostgreSQL of scripts/start-postgres.sh (scale 1),
# and beside bare Npgsql loops running the same prepared statement (bench/PerfCluster.SqlBench: the .NET client's ceiling).
# Goal: PerfCluster's statements/s >= 0.8x pgbench's transactions/s. RUNS, DURATION and CLIENTS set the shape
# (defaults 3, 10 s, 8). Ends with one RESULT line.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-8}
OUT=bench/out
mkdir -p "$OUT"

export PERFCLUSTER_TARGET_DB
PERFCLUSTER_TARGET_DB=$(scripts/start-postgres.sh 2>/dev/null | tail -n 1)
export PGPASSWORD=perfcluster
PG="-h 127.0.0.1 -p 5432 -U perfcluster perfcluster_test"
echo "preparing pgbench tables (scale 1)"
pgbench -i -s 1 -q $PG >/dev/null 2>&1

echo "building perfcluster and the Npgsql loop (Release)"
dotnet publish src/PerfCluster -c Release -r linux-x64 --self-contained false -o "$OUT/perfcluster" --nologo -v quiet >/dev/null
dotnet publish bench/PerfCluster.SqlBench -c Release -r linux-x64 --self-contained false -o "$OUT/sqlbench" --nologo -v quiet >/dev/null

run_perfcluster() {
  local dir="$OUT/sql-$1"; rm -rf "$dir"
  BENCH_USERS=$CLIENTS BENCH_DURATION="${DURATION}s" "$OUT/perfcluster/perfcluster" run bench/scenarios/pg-select.conf --out "$dir" >/dev/null 2>&1 || true
  python3 - "$dir/report.json" <<'PY'
import json, sys
t = next(iter(json.load(open(sys.argv[1]))["load_tests"].values()))
print(t["throughput"], t["latency"]["p99"] * 1000, t["errors"], t["generator"]["cpu_seconds"] / max(1, t["requests"]) * 1e6)
PY
}

run_pgbench() {
  pgbench -S -M prepared -n -c "$CLIENTS" -j 2 -T "$DURATION" $PG 2>/dev/null | awk '/^tps = / {print $3}'
}

declare -a P G N PP
for i in $(seq "$RUNS"); do
  read -r r p99 e cpu < <(run_perfcluster "$i"); P+=("$r"); PP+=("$p99")
  echo "run $i perfcluster, $CLIENTS users: $r statements/s, p99 $p99 ms, $e errors, $cpu us CPU/statement"
  g=$(run_pgbench); G+=("$g")
  echo "run $i pgbench -S -M prepared, $CLIENTS clients: $g tps"
  read -r n ncpu < <("$OUT/sqlbench/PerfCluster.SqlBench" "$PERFCLUSTER_TARGET_DB" "$CLIENTS" "$DURATION"); N+=("$n")
  echo "run $i bare Npgsql loops, $CLIENTS clients: $n statements/s, $ncpu us CPU/statement"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
PM=$(median "${P[@]}"); GM=$(median "${G[@]}"); NM=$(median "${N[@]}")
RATIO=$(awk -v a="$PM" -v b="$GM" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
VS_NPGSQL=$(awk -v a="$PM" -v b="$NM" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
echo
echo "median of $RUNS runs, $CLIENTS clients, ${DURATION}s each, PostgreSQL on 127.0.0.1, $(nproc) cores shared by server and client"
echo "RESULT perfcluster_sps=$PM pgbench_tps=$GM npgsql_loop_sps=$NM ratio=$RATIO vs_npgsql_loop=$VS_NPGSQL p99_ms=$(median "${PP[@]}") clients=$CLIENTS duration_s=$DURATION runs=$RUNS"
