// The llm graph passes (declared in Passes.td): one job each, from the module
// the frontend builds to the fused, phase-specialized form the kernel library
// executes. Pipelines.h strings them together.
//
// Each pass has a create function (createFuseQkvPass(), ...;
// createSpecializePhasePass(SpecializePhasePassOptions) takes its options) and
// registerLLMPasses() makes all of them known to a tool's command line as
// --llm-fuse-qkv, --llm-fuse-gate-up, --llm-fuse-residual-norm,
// --llm-fuse-epilogues and --llm-specialize-phase.
#pragma once

#include "dialects/LLM/IR/LLMDialect.h"

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
