#!/usr/bin/env bash
# The long fuzz pass: every parser of outside input (scenario files, Prometheus text, baseline files, report.json,
# the fast engine's HTTP response parser) on mutants of tests/fuzz-corpus for SECONDS each (default 600), then one
# line per parser with the inputs tried. The test suite runs the same specs for 10 s each.
# A failure prints CsCheck's seed and the shrunk input: save the input under tests/fuzz-corpus/<parser>/regressions
# and fix the parser.
#   scripts/fuzz.sh            600 s per parser
#   SECONDS_PER_PARSER=60 scripts/fuzz.sh
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export PERFCLUSTER_FUZZ_SECONDS=${SECONDS_PER_PARSER:-600}
log=$(mktemp)
dotnet build PerfCluster.sln -c Release --nologo -v quiet 2>&1 | tail -n 3
status=0
for project in tests/PerfCluster.Core.Tests tests/PerfCluster.Engine.Tests; do
  dotnet test "$project" -c Release --no-build --nologo --filter "FullyQualifiedName~Fuzz" \
    --logger "console;verbosity=detailed" 2>&1 | tee -a "$log" | grep -E "Set seed|Failed |Passed!|Failed!" || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
echo "--- fuzz pass, $PERFCLUSTER_FUZZ_SECONDS s per parser ---"
grep -oE "fuzz [a-z ]+: [0-9]+ inputs in [0-9]+ s, 0 failures" "$log" | sort -u
rm -f "$log"
exit "$status"
