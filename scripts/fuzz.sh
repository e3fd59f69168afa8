#!/usr/bin/env bash
# Runs one libFuzzer target of test/Fuzz for a long time (the smoke runs in
# the tests take 30 s each). New inputs go to build-sanitized/fuzz/TARGET,
# crashes to build-sanitized/fuzz/TARGET-crashes.
#   scripts/fuzz.sh TARGET [SECONDS]   e.g. scripts/fuzz.sh manifest 600
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${LLMC_SANITIZED_BUILD_DIR:-$root/build-sanitized}"
target="$1"
seconds="${2:-600}"
"$root/scripts/build-sanitized.sh" "fuzz-$target" >/dev/null
work="$build/fuzz/$target"
mkdir -p "$work" "$work-crashes"
exec "$build/test/Fuzz/fuzz-$target" -max_total_time="$seconds" \
  -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work-crashes/" "$work" "$root/test/Fuzz/corpus/$target"
