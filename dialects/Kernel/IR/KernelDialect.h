// The kernel dialect: the kernel launches of an engine's phases.
//
// Including this header gives the dialect class and its attributes: the
// argument bindings (OperandAttr, ResultAttr, ArenaAttr, WeightAttr,
// KvKeysAttr, KvValuesAttr, InputAttr, SlotAttr, ConstantAttr, ScalarAttr,
// NullAttr) and CostAttr. The op is declared in KernelOps.h.
#pragma once

#include "dialects/LLM/IR/LLMDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

#include "dialects/Kernel/IR/KernelDialect.h.inc"

namespace mlir::kernel {

/// One quantity of a launch's work as `fixed + perRow * rows +
/// perRowContext * rows * context` (llmc::CostTerms of the manifest).
struct CostTerms {
  double fixed = 0;
  double perRow = 0;
  double perRowContext = 0;
};

} // namespace mlir::kernel

#define GET_ATTRDEF_CLASSES
#include "dialects/Kernel/IR/KernelAttrs.h.inc"

namespace mlir::kernel {

/// Function attribute naming the phase a function is the launch sequence of:
/// "prefill", "decode" or "sample". Set by llm-outline-kernels.
inline constexpr llvm::StringLiteral kPhaseAttrName = "kernel.phase";
/// Function attribute: the most token rows one run of the phase takes, the
/// row count every arena slice is sized for (i64). Set by llm-plan-memory.
inline constexpr llvm::StringLiteral kMaxRowsAttrName = "kernel.max_rows";
/// Function attribute: bytes of the phase's activation arena (i64, a
/// multiple of kArenaAlignment). Set by llm-plan-memory.
inline constexpr llvm::StringLiteral kArenaBytesAttrName = "kernel.arena_bytes";
/// Function attribute: the phase's named results as arena slices, a
/// dictionary of #kernel.arena (e.g. {logits = #kernel.arena<...>}). Set by
/// llm-plan-memory.
inline constexpr llvm::StringLiteral kOutputsAttrName = "kernel.outputs";

/// Every arena offset is a multiple of this many bytes (the manifest's
/// kArenaAlignment).
inline constexpr int64_t kArenaAlignment = 256;

/// Names a binding may take, as the engine ABI defines them
/// (runtime/engine/EngineAbi.h): runtime-owned buffers, slot-state arrays and
/// per-launch scalars.
llvm::ArrayRef<llvm::StringLiteral> getInputNames();
llvm::ArrayRef<llvm::StringLiteral> getSlotNames();
llvm::ArrayRef<llvm::StringLiteral> getScalarNames();

/// The phases a function may be ("prefill", "decode", "sample").
llvm::ArrayRef<llvm::StringLiteral> getPhaseNames();

/// True for a C identifier (kernel and constant names).
bool isIdentifier(llvm::StringRef name);

} // namespace mlir::kernel
