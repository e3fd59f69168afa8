// SamplePhase: builds @sample, the phase with no llm counterpart that closes
// every step: Sampling draws one token per slot from the logits the step
// wrote (the runtime binds them as the "logits" input), Logprobs writes the
// log-probabilities of the slots that ask for them to the logprob ring
// (compiler/kernels/Logprobs.cuh), and SlotUpdate appends the token to the
// slot state, detects stops and publishes it to the token ring
// (compiler/kernels/SlotState.cuh). Rows are slots: max-slots of them.
#pragma once

#include "compiler/kernels/registry/KernelSelection.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::llm {

/// Appends func.func @sample to `module` for logits of `vocab` columns, with
/// its kernel.phase and kernel.max_rows.
LogicalResult buildSampleFunction(ModuleOp module, int64_t vocab,
                                  const llmc::KernelOptions &options);

} // namespace mlir::llm
