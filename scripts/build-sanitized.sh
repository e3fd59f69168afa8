#!/usr/bin/env bash
# Configures (once) and builds the hardening build into ./build-sanitized:
# the MLIR-free, CUDA-free host libraries and their unit tests under
# ASan+UBSan, and the libFuzzer targets of test/Fuzz (clang-19).
#   scripts/build-sanitized.sh [ninja targets...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${LLMC_SANITIZED_BUILD_DIR:-$root/build-sanitized}"
if [ ! -f "$build/build.ninja" ]; then
  CC=clang-19 CXX=clang++-19 cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLLMC_HOST_ONLY=ON \
    -DLLMC_SANITIZE=address,undefined -DLLMC_FUZZ=ON >/dev/null
fi
ninja -C "$build" "$@"
