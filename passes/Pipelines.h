// Pass pipelines over the llm dialect, as C++ builder functions shared by
// llm-opt (registered as --llm-fusion-pipeline) and the compiler driver.
#pragma once

#include "mlir/Pass/PassManager.h"

#include <cstdint>

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

/// Registers the pipelines with the command line of a tool:
/// --llm-fusion-pipeline[="max-slots=N"].
void registerLLMPipelines();

} // namespace mlir::llm
