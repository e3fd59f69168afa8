// LaunchBuilder: writes one kernel.launch from a KernelChoice (what runs and
// how it is launched) and a LaunchRequest (what it is bound to), the one
// place where both become the op's attributes. Used by llm-outline-kernels
// for the phase functions and for @sample.
#pragma once

#include "compiler/kernels/registry/KernelSelection.h"

#include "dialects/Kernel/IR/KernelOps.h"

#include "mlir/IR/Builders.h"

#include <optional>
#include <string>

namespace mlir::llm {

/// Everything a launch needs besides its KernelChoice.
struct LaunchRequest {
  LaunchRequest(std::string name, Location loc, Operation *source = nullptr)
      : name(std::move(name)), loc(loc), source(source) {}

  /// The kernel's name before KernelNaming.h settles it: `<phase>_<what>`.
  std::string name;
  Location loc;
  /// The llm op the launch executes, if any (recorded in `fused`).
  Operation *source = nullptr;
  std::optional<int64_t> layer;
  SmallVector<Value> operands;
  SmallVector<Type> resultTypes;
  /// The wrapper's parameters in order (KernelAttrs.td).
  SmallVector<Attribute> args;
  /// Per result: the operand it is written into, or -1. Empty: none.
  SmallVector<int64_t> tied;
  /// Non-integer constants the wrapper bakes in (eps, scale, RoPE theta).
  SmallVector<std::pair<StringRef, Attribute>> extraConstants;
};

/// Creates the kernel.launch of `choice` for `request` at the builder's
/// insertion point.
kernel::LaunchOp buildLaunch(OpBuilder &builder,
                             const llmc::KernelChoice &choice,
                             const LaunchRequest &request);

} // namespace mlir::llm
