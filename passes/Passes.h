// The llm passes (declared in Passes.td): one job each, from the module the
// frontend builds to the fused, phase-specialized form the kernel library
// executes, and from there to kernel launches over a planned arena.
// Pipelines.h strings them together.
//
// Each pass has a create function (createFuseQkvPass(), ...; passes with
// options, e.g. createSpecializePhasePass(SpecializePhasePassOptions), take
// them) and registerLLMPasses() makes all of them known to a tool's command
// line as --llm-fuse-qkv, --llm-fuse-gate-up, --llm-fuse-residual-norm,
// --llm-fuse-epilogues, --llm-specialize-phase, --llm-outline-kernels and
// --llm-plan-memory.
#pragma once

#include "dialects/Kernel/IR/KernelDialect.h"
#include "dialects/LLM/IR/LLMDialect.h"
#include "runtime/engine/EngineShape.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>

namespace mlir::llm {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace mlir::llm
