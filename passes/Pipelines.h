// Pass pipelines over the llm dialect, as C++ builder functions shared by
// llm-opt (registered as --llm-fusion-pipeline and --llm-kernel-pipeline) and
// the compiler driver.
#pragma once

#include "runtime/engine/EngineShape.h"

#include "mlir/Pass/PassManager.h"

namespace mlir::llm {

/// Adds the graph pipeline to `pm` (a pass manager on builtin.module): from
/// the module the frontend builds to fused ops over derived weights, split
/// into @prefill and @decode. Of the engine's shape it reads the slot count
/// (the decode rows).
void buildFusionPipeline(OpPassManager &pm, const llmc::EngineShape &shape);

/// Adds the whole compiler pipeline to `pm` (a pass manager on
/// builtin.module): the fusion pipeline, then the lowering of @prefill and
/// @decode to kernel launches (with @sample added) for the engine's shape
/// (slots, prefill budget, KV blocks, archs) and the planning of each
/// phase's activation arena. The result is what codegen reads.
void buildKernelPipeline(OpPassManager &pm, const llmc::EngineShape &shape);

/// Registers the pipelines with the command line of a tool:
/// --llm-fusion-pipeline[="max-slots=N"] and
/// --llm-kernel-pipeline[="max-slots=N max-prefill-tokens=T
/// kv-block-size=B archs=A,B"].
void registerLLMPipelines();

} // namespace mlir::llm
