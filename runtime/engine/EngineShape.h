// EngineShape: the sizes an engine is compiled for that fix its kernels and
// device buffers (decode rows, prefill rows per step, KV block size, target
// archs), with their defaults stated once. llm-compile's flags, the compiler
// driver, the pass and pipeline options, kernel selection and the tests start
// from a default EngineShape; an engine records its shape in the manifest's
// options (CompileOptions), which is where the runtime reads it.
//
// Plain C++ with no MLIR, so that compiler and runtime code can both include
// it (the compiler includes runtime/, never the reverse).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llmc {

struct EngineShape {
  /// Rows of a decode step: the engine's static slot count.
  int64_t maxSlots = 8;
  /// Most token rows of one prefill step (the per-step token budget).
  int64_t maxPrefillTokens = 512;
  /// Positions per block of the paged KV cache (a power of two in 8..128).
  int64_t kvBlockSize = 16;
  /// The archs the engine is compiled for ("sm_80", "sm_90a"): a launch may
  /// carry variants that only some of them run.
  std::vector<std::string> archs = {"sm_90a"};
};

} // namespace llmc
