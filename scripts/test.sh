#!/usr/bin/env bash
# Runs every test project of the solution and ends with one line "N passed, N failed".
# Usage: scripts/test.sh [extra dotnet test arguments]
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log=$(mktemp)
dotnet build PerfCluster.sln -c Release --nologo -v quiet 2>&1 | tail -n 30
build=${PIPESTATUS[0]}
if [ "$build" -ne 0 ]; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi
dotnet test PerfCluster.sln -c Release --no-build --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# dotnet test prints one line per test project: "Passed!  - Failed: 0, Passed: 57, Skipped: 0, Total: 57, ..."
read -r passed failed < <(grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+).*/\2 \1/' \
  | awk '{p += $1; f += $2} END {print p + 0, f + 0}')
projects=$(grep -cE '^(Passed|Failed)!' "$log")
rm -f "$log"
if [ "$projects" -eq 0 ] && [ "$status" -ne 0 ]; then failed=$((failed + 1)); fi
echo "$passed passed, $failed failed"
exit "$status"
