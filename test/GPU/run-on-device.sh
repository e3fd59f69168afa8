#!/bin/bash
# Runs the dense-kernel GPU tests on the GPU machine: all suites of the dense
# kernels, compute-sanitizer memcheck / racecheck / synccheck on representative
# subsets. Full logs go to $OUT (default /tmp/gpu-tests);
# a short table comes last.
#
#   test/GPU/run-on-device.sh [path/to/GpuKernelTests]
#
# Copy the binary into a git-ignored folder that travels to the machine (for
# example .device/<name>/) together with this script. The tile sweeps behind
# the tile rules run apart (a few minutes):
#   GpuKernelTests --gtest_also_run_disabled_tests --gtest_filter='TileSweep.*'
set -o pipefail
B=${1:-$(dirname "$0")/GpuKernelTests}
OUT=${OUT:-/tmp/gpu-tests}; mkdir -p "$OUT"
export PATH=$PATH:/usr/local/cuda/bin
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
MINE='KernelHarness.*:PagedKvScenario.*:Shapes/EmbedTest.*:Shapes/RmsNormTest.*:Shapes/GemvTest.*:Shapes/GemmMmaTest.*:Shapes/RopeInPlaceTest.*:Shapes/RopeKvWriteTest.*:Archs/KernelCompileTest.*'
timeout 150 $B --gtest_filter="$MINE" > "$OUT/tests.log" 2>&1; echo "tests rc=$?"
MEM='KernelHarness.*:Shapes/EmbedTest.*:Shapes/RmsNormTest.*:Shapes/GemvTest.*/stories_*:Shapes/GemvTest.*/odd_*:Shapes/GemvTest.*/*ksplit*:Shapes/GemmMmaTest.*/split_odd*:Shapes/GemmMmaTest.*/split_llama2_w2*:Shapes/GemvTest.*/llama3_qkv_gqa_interleaved_t3:Shapes/GemmMmaTest.*/stories_*:Shapes/GemmMmaTest.*/odd_*:Shapes/RopeInPlaceTest.*:Shapes/RopeKvWriteTest.*/mqa_*:Shapes/RopeKvWriteTest.*/stories_*'
timeout 90 compute-sanitizer --tool memcheck --leak-check no $B --gtest_filter="$MEM" > "$OUT/memcheck.log" 2>&1; echo "memcheck rc=$?"
RACE='Shapes/GemmMmaTest.*/stories_qkv_halfsplit_2seqs:Shapes/GemmMmaTest.*/odd_n1000_k520_t17:Shapes/GemmMmaTest.*/split_odd*:Shapes/GemvTest.*/stories_qkv_halfsplit_t3:Shapes/GemvTest.*/odd_*:Shapes/RmsNormTest.*/0:Shapes/RmsNormTest.*/1'
timeout 40 compute-sanitizer --tool racecheck $B --gtest_filter="$RACE" > "$OUT/racecheck.log" 2>&1; echo "racecheck rc=$?"
timeout 30 compute-sanitizer --tool synccheck $B --gtest_filter="$RACE" > "$OUT/synccheck.log" 2>&1; echo "synccheck rc=$?"
echo "=== failures"; grep -E "^\[  FAILED|Failure|error:" "$OUT/tests.log" | head -30
echo "=== accuracy (RmsNorm)"; grep -E "^\[ accuracy \] (rms|add|resid)" "$OUT/tests.log" | sed 's/^\[ accuracy \] //'
echo "=== summary"; grep -E "^\[  (PASSED|FAILED|SKIPPED)|tests? from .* ran" "$OUT/tests.log" | head -8
for f in memcheck racecheck synccheck; do echo "--- $f"; grep -E "SUMMARY|^\[  (PASSED|FAILED)|tests? from .* ran" "$OUT/$f.log" | head -6; done
