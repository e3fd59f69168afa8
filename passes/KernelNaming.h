// KernelNaming: the kernel function names of a phase's launches.
//
// Launches with the same instantiation (template, parameters, epilogue,
// baked constants and the kinds of their arguments) run one kernel, so they
// share one name: the layers of a model share a handful of kernels per phase.
// A name is `<phase>_<what>` (e.g. "decode_rms_norm"), set by the pass that
// creates the launch; when two instantiations would share it, each gets a
// shape suffix ("prefill_linear_288x288", "prefill_linear_288x768").
#pragma once

#include "dialects/Kernel/IR/KernelOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>

namespace mlir::llm {

/// What makes two launches the same kernel, as a string: equal strings
/// instantiate the same template identically and take the same arguments.
std::string getInstantiationKey(kernel::LaunchOp launch);

/// Renames the launches of `func` so that each instantiation has one name
/// and each name one instantiation, keeping the stem of the first launch of
/// each instantiation.
void assignKernelNames(func::FuncOp func);

} // namespace mlir::llm
