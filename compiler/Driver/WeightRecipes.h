// WeightRecipes: which tensors an engine's weights.bin holds, read from the
// compiled module: every `llm.weight` a kernel launch binds, in declaration
// order, each made from the checkpoint tensors its derivation names (a plain
// weight from itself; the fused QKV rows stacked, gate/up interleaved).
#pragma once

#include "compiler/Driver/WeightPacker.h"
#include "runtime/Status.h"

#include "mlir/IR/BuiltinOps.h"

#include <vector>

namespace llmc {

/// The recipes of the weights `module`'s kernel launches bind. Fails for a
/// binding to a weight the module does not declare, or a derivation this
/// packer cannot build.
StatusOr<std::vector<WeightRecipe>> weightRecipes(mlir::ModuleOp module);

} // namespace llmc
