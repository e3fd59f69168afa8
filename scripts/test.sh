#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, fetches the real model files the
# tests read and the JavaScript oracles of the differential tests, then runs lit over
# the FileCheck tests and the GoogleTest executables, and over the hardening build
# (scripts/build-sanitized.sh): the host-side unit tests under ASan+UBSan and a
# 30-second smoke run of every fuzzer.
# Ends with one line "tests: N passed, N failed, N skipped".
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${LLMC_BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
"$root/scripts/fetch-model.sh" >/dev/null
"$root/scripts/fetch-openai-client.sh" >/dev/null
"$root/scripts/fetch-js-oracles.sh" >/dev/null
"$root/scripts/build.sh"
sanitized="${LLMC_SANITIZED_BUILD_DIR:-$root/build-sanitized}"
"$root/scripts/build-sanitized.sh"

log="$build/test-results.log"
set +e
/usr/bin/python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv \
  "$build/test" "$build/test/Unit" \
  "$sanitized/test/Unit" "$sanitized/test/Fuzz" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

count() { # lit summary label -> number (0 when absent)
  local n
  n=$(grep -E "^ *$1 *: *[0-9]+" "$log" | tail -n1 | sed -E 's/.*: *([0-9]+).*/\1/')
  echo "${n:-0}"
}
passed=$(( $(count Passed) + $(count "Expectedly Failed") ))
failed=$(( $(count Failed) + $(count "Unexpectedly Passed") + $(count Unresolved) + $(count "Timed Out") ))
skipped=$(( $(count Unsupported) + $(count Skipped) + $(count Excluded) ))
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
