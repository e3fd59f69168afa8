// KernelIrReader: reads the kernel IR of a module (its phase functions after
// llm-plan-memory) into the plain launch specs the code generator works
// from (KernelSpec.h).
#pragma once

#include "compiler/Codegen/KernelSpec.h"
#include "runtime/Status.h"

#include "mlir/IR/BuiltinOps.h"

#include <vector>

namespace llmc::codegen {

/// The phases of `module`, in the order prefill, decode, sample: every
/// function with a `kernel.phase` attribute, its `kernel.launch` ops in
/// order. Fails when a phase has no memory plan (kernel.max_rows,
/// kernel.arena_bytes), a launch still binds an SSA value (operand/result:
/// plan-memory has not run), or an attribute is not the number it must be;
/// messages name the function and the kernel.
StatusOr<std::vector<PhaseSpec>> readKernelPhases(mlir::ModuleOp module);

} // namespace llmc::codegen
