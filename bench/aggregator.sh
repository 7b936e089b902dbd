#!/usr/bin/env bash
# How many worker metric deltas per second one coordinator merges (pure merge and actor path).
# Usage: bench/aggregator.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/PerfCluster.Bench -c Release --nologo -v quiet -o bench/out/bench >/dev/null
dotnet bench/out/bench/PerfCluster.Bench.dll "${1:-5}"
