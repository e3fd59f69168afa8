// The shared body of the projection tests (decode GEMV and prefill MMA GEMM):
// random bf16 inputs, the CPU reference of the projection followed by each
// epilogue (plain bf16 store, fp32 store, residual add, SwiGLU, RoPE + paged
// KV-cache write), the launch and the comparison. The GEMV and GEMM tests only
// say how to instantiate and launch their kernel.
#pragma once

#include "runtime/model/ModelConfig.h"
#include "test/GPU/KernelHarness.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace llmc::gputest {

/// Which epilogue policy of Epilogues.cuh the case fuses.
enum class EpilogueKind { StoreBf16, StoreF32, ResidualAdd, SwiGlu, RopeKv };

/// One projection out[T, N] = x[T, K] . W[N, K]^T with a fused epilogue.
struct ProjectionCase {
  std::string label;
  int n = 0, k = 0, t = 0;
  EpilogueKind epilogue = EpilogueKind::StoreBf16;
  // RopeKv only: N must be (heads + 2 kvHeads) * headDim.
  int heads = 0, kvHeads = 0, headDim = 0, blockSize = 16;
  RopeStyle style = RopeStyle::HalfSplit;
  bool llama3Frequencies = false;
  /// RopeKv: tokens belong to these (first position, length) sequences
  /// (prefill); empty = decode, token t is slot t, with one idle and one
  /// unmapped row when T >= 3.
  std::vector<std::pair<int, int>> sequences;
  /// RopeKv: Qwen2's merged q/k/v bias; Qwen3's per-head q/k RMSNorm (the
  /// epilogue instantiated with HeadNorm = true).
  bool qkvBias = false, headNorm = false;
};

/// The kernel under test, as the test's wrapper source instantiates it: an
/// extern "C" kernel named "projection" taking
/// (const bf16 *x, const bf16 *w, int T, Epilogue::Params params).
struct ProjectionLaunch {
  std::string source;
  cuda::Dim3 grid, block;
  unsigned sharedBytes = 0;
};

/// "StoreBf16Epilogue<4096>", "RopeKvWriteEpilogue<32, 8, 128, 16,
/// RopeLayout::HalfSplit>", ... for `c`.
std::string epilogueType(const ProjectionCase &c);

/// Builds the case's data and reference, compiles and launches the kernel that
/// `makeLaunch` describes, and checks every output (fatal gtest failures).
void runProjectionCase(
    const ProjectionCase &c,
    const std::function<ProjectionLaunch(const ProjectionCase &)> &makeLaunch);

} // namespace llmc::gputest
