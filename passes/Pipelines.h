// Pass pipelines over the llm dialect, as C++ builder functions shared by
// llm-opt (registered as --llm-fusion-pipeline and --llm-kernel-pipeline) and
// the compiler driver.
#pragma once

#include "mlir/Pass/PassManager.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::llm {

/// What the fusion pipeline needs to know about the engine it compiles for.
struct FusionPipelineOptions {
  /// Rows of a decode step: the engine's static slot count.
  int64_t maxSlots = 8;
};

/// Adds the graph pipeline to `pm` (a pass manager on builtin.module): from
/// the module the frontend builds to fused ops over derived weights, split
/// into @prefill and @decode.
void buildFusionPipeline(OpPassManager &pm,
                         const FusionPipelineOptions &options);

/// What the kernel pipeline also needs: the engine's prefill budget and KV
/// cache blocks.
struct KernelPipelineOptions : FusionPipelineOptions {
  /// Most token rows of one prefill step (the per-step token budget).
  int64_t maxPrefillTokens = 512;
  /// Positions per block of the paged KV cache (a power of two in 8..128).
  int64_t kvBlockSize = 16;
  /// Archs the engine is compiled for: kernel selection may add variants
  /// that only some of them run.
  std::vector<std::string> archs = {"sm_90a"};
};

/// Adds the whole compiler pipeline to `pm` (a pass manager on
/// builtin.module): the fusion pipeline, then the lowering of @prefill and
/// @decode to kernel launches (with @sample added) and the planning of each
/// phase's activation arena. The result is what codegen reads.
void buildKernelPipeline(OpPassManager &pm,
                         const KernelPipelineOptions &options);

/// Registers the pipelines with the command line of a tool:
/// --llm-fusion-pipeline[="max-slots=N"] and
/// --llm-kernel-pipeline[="max-slots=N max-prefill-tokens=T
/// kv-block-size=B archs=A,B"].
void registerLLMPipelines();

} // namespace mlir::llm
