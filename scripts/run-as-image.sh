#!/usr/bin/env bash
# Runs what the container image runs in Kubernetes, without Docker: the image's ENTRYPOINT
# (dotnet perfcluster.dll) with the args and environment of k8s/base (coordinator StatefulSet, worker
# Deployment, nightly CronJob), as local processes on 127.0.0.1. Only what cannot be the same on one host
# differs, and each line printed as "run: ..." shows it:
#   the coordinator's DNS name and $(POD_IP) -> 127.0.0.1, 0.0.0.0 -> 127.0.0.1, the ports (two nodes
#   share the host), /config -> k8s/base/config, /results and /data -> a temporary directory,
#   $(CPU_LIMIT) -> 1, http://perfcluster-coordinator:7070 -> the local API, and the worker also sends load to
#   the local target (--allow-target 127.0.0.1, where the pods' allow-list names the system under test).
# The cluster transport runs mutual TLS as in the pods: a CA and a node certificate are made with
# `perfcluster cert` and given through the Secret's variables (PERFCLUSTER_TLS_CERT, _KEY, _CA).
# The nightly scenario's target is a local `perfcluster target`, and its baseline is recorded first (the
# cluster's PostgreSQL store is replaced by SQLite, as in overlays/local, unless PERFCLUSTER_DB_CONNECTION
# is set); both add the same short --target/--users/--duration overrides.
#
#   scripts/run-as-image.sh          build output of the solution (dotnet build -c Release) is used
# Environment: PERFCLUSTER_DLL, CLUSTER_PORT (4053), WORKER_PORT (4054), HTTP_PORT (7070), HEALTH_PORT (8080),
#   TARGET_PORT (8000), DURATION (5s), TARGET (a URL instead of the local demo target).
# Exit code: the nightly command's (0 passed, 1 the gate failed, 2 bad input), or 3 when a node never got ready.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

dll=${PERFCLUSTER_DLL:-$root/src/PerfCluster/bin/Release/net10.0/perfcluster.dll}
[ -f "$dll" ] || { echo "run-as-image: $dll not found; run: dotnet build PerfCluster.sln -c Release" >&2; exit 2; }
cluster_port=${CLUSTER_PORT:-4053}
worker_port=${WORKER_PORT:-4054}
http_port=${HTTP_PORT:-7070}
health_port=${HEALTH_PORT:-8080}
target_port=${TARGET_PORT:-8000}
duration=${DURATION:-5s}
config=$root/k8s/base/config
work=$(mktemp -d)
pids=()

# The Secret's api-token and the store settings, as the pods get them.
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
export PERFCLUSTER_API_TOKEN=${PERFCLUSTER_API_TOKEN:-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}
export PERFCLUSTER_DATA_DIR=$work/data
if [ -n "${PERFCLUSTER_DB_CONNECTION:-}" ]; then export PERFCLUSTER_DB_PROVIDER=postgresql; else export PERFCLUSTER_DB_PROVIDER=sqlite; unset PERFCLUSTER_DB_CONNECTION; fi

perfcluster() { dotnet "$dll" "$@"; }
start() {   # start NAME ARGS...: a background node, logging to $work/NAME.log
  local name=$1; shift
  echo "run: $*"
  dotnet "$dll" "$@" > "$work/$name.log" 2>&1 &
  pids+=($!)
}
stop_all() {
  # SIGTERM, as the kubelet sends it: the worker leaves gracefully, then the coordinator stops.
  for (( i=${#pids[@]}-1; i>=0; i-- )); do
    kill -TERM "${pids[i]}" 2>/dev/null && wait "${pids[i]}" 2>/dev/null
  done
  pids=()
}
trap 'stop_all; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
wait_ready() {   # wait_ready NAME URL: the image's health command, as the readiness probe would ask
  for _ in $(seq 1 120); do
    if perfcluster health --url "$2" --timeout 2s > /dev/null 2>&1; then echo "ready: $1 ($2)"; return 0; fi
    sleep 0.5
  done
  echo "run-as-image: $1 never answered 200 at $2; its log:" >&2
  cat "$work/$1.log" >&2
  exit 3
}

# The perfcluster-cluster-tls Secret, made the way docs/security.md says.
perfcluster cert create-ca --dir "$work/tls" > /dev/null && perfcluster cert issue node --dir "$work/tls" > /dev/null \
  || { echo "run-as-image: could not make the cluster certificates" >&2; exit 2; }
export PERFCLUSTER_TLS_CERT=$work/tls/node.crt PERFCLUSTER_TLS_KEY=$work/tls/node.key PERFCLUSTER_TLS_CA=$work/tls/ca.crt

if [ -z "${TARGET:-}" ]; then
  start target target --port "$target_port"
  TARGET=http://127.0.0.1:$target_port
fi

start coordinator coordinator --host 127.0.0.1 --port "$cluster_port" --http "127.0.0.1:$http_port" \
  --seed "127.0.0.1:$cluster_port" --config "$config/perfcluster.conf" --log-format json
wait_ready coordinator "http://127.0.0.1:$http_port/readyz"

PERFCLUSTER_HEALTH_URL=http://127.0.0.1:$health_port/healthz \
  start worker worker --seed "127.0.0.1:$cluster_port" --host 127.0.0.1 --port "$worker_port" --capacity 1 \
  --health "127.0.0.1:$health_port" --config "$config/perfcluster.conf" --log-format json --allow-target 127.0.0.1
wait_ready worker "http://127.0.0.1:$health_port/readyz"
# The Dockerfile's HEALTHCHECK: `perfcluster health` with the URL from $PERFCLUSTER_HEALTH_URL.
PERFCLUSTER_HEALTH_URL=http://127.0.0.1:$http_port/healthz perfcluster health --timeout 3s || exit 3
PERFCLUSTER_HEALTH_URL=http://127.0.0.1:$health_port/healthz perfcluster health --timeout 3s || exit 3

overrides=(--target "$TARGET" --users 4 --duration "$duration" --ramp-up 1s --think-time 20ms)
coordinator_url=http://127.0.0.1:$http_port
echo "run: baseline $config/nightly.conf --name nightly --coordinator $coordinator_url --out $work/results/baseline ${overrides[*]}"
perfcluster baseline "$config/nightly.conf" --name nightly --coordinator "$coordinator_url" --out "$work/results/baseline" "${overrides[@]}" \
  || { echo "run-as-image: recording the baseline failed" >&2; exit 2; }

# The CronJob's command.
echo "run: test $config/nightly.conf --baseline nightly --coordinator $coordinator_url --out $work/results/nightly ${overrides[*]}"
perfcluster test "$config/nightly.conf" --baseline nightly --coordinator "$coordinator_url" --out "$work/results/nightly" "${overrides[@]}"
code=$?
echo "nightly: exit $code"
if [ -f "$work/results/nightly/report.json" ]; then echo "report: $work/results/nightly/report.json"; fi
[ -n "${KEEP_RESULTS:-}" ] && cp -r "$work/results" "$KEEP_RESULTS"
stop_all
exit "$code"
