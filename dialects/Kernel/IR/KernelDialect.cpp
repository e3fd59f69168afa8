// The kernel dialect: registration, the names the runtime contract allows,
// and the verifier of the `kernel.*` function attributes.
#include "dialects/Kernel/IR/KernelDialect.h"
#include "dialects/Kernel/IR/KernelOps.h"
#include "runtime/engine/EngineAbi.h"

#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::kernel;

#include "dialects/Kernel/IR/KernelDialect.cpp.inc"

void KernelDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Kernel/IR/KernelOps.cpp.inc"
      >();
  registerAttributes();
}

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

// The binding names are the engine ABI's (runtime/engine/EngineAbi.h).
#define LLMC_NAME_LITERAL(name, ...) #name,

ArrayRef<StringLiteral> mlir::kernel::getInputNames() {
  static constexpr StringLiteral names[] = {
      LLMC_ENGINE_INPUT_BUFFERS(LLMC_NAME_LITERAL)};
  return names;
}

ArrayRef<StringLiteral> mlir::kernel::getSlotNames() {
  static constexpr StringLiteral names[] = {
      LLMC_ENGINE_SLOT_ARRAYS(LLMC_NAME_LITERAL)};
  return names;
}

ArrayRef<StringLiteral> mlir::kernel::getScalarNames() {
  static constexpr StringLiteral names[] = {
      LLMC_ENGINE_LAUNCH_SCALARS(LLMC_NAME_LITERAL)};
  return names;
}

#undef LLMC_NAME_LITERAL

ArrayRef<StringLiteral> mlir::kernel::getPhaseNames() {
  static constexpr StringLiteral names[] = {"prefill", "decode", "sample"};
  return names;
}

bool mlir::kernel::isIdentifier(StringRef name) {
  if (name.empty() || !(llvm::isAlpha(name.front()) || name.front() == '_'))
    return false;
  return llvm::all_of(name,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

//===----------------------------------------------------------------------===//
// Function attributes
//===----------------------------------------------------------------------===//

/// Fails unless `attribute` is an integer of at least `minimum`.
static LogicalResult verifyIntegerAttribute(Operation *op,
                                            NamedAttribute attribute,
                                            int64_t minimum) {
  auto value = dyn_cast<IntegerAttr>(attribute.getValue());
  if (!value || value.getInt() < minimum)
    return op->emitError() << "attribute '" << attribute.getName().getValue()
                           << "' must be an integer >= " << minimum << ", got "
                           << attribute.getValue();
  return success();
}

LogicalResult
KernelDialect::verifyOperationAttribute(Operation *op,
                                        NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  if (name == kPhaseAttrName) {
    auto phase = dyn_cast<StringAttr>(attribute.getValue());
    if (!phase || !llvm::is_contained(getPhaseNames(), phase.getValue()))
      return op->emitError() << "attribute '" << name
                             << "' must be \"prefill\", \"decode\" or "
                                "\"sample\", got "
                             << attribute.getValue();
    return success();
  }
  if (name == kMaxRowsAttrName)
    return verifyIntegerAttribute(op, attribute, 1);
  if (name == kArenaBytesAttrName) {
    if (failed(verifyIntegerAttribute(op, attribute, 0)))
      return failure();
    int64_t bytes = cast<IntegerAttr>(attribute.getValue()).getInt();
    if (bytes % kArenaAlignment != 0)
      return op->emitError()
             << "attribute '" << name << "' must be a multiple of "
             << kArenaAlignment << ", got " << bytes;
    return success();
  }
  if (name == kOutputsAttrName) {
    auto outputs = dyn_cast<DictionaryAttr>(attribute.getValue());
    if (!outputs)
      return op->emitError() << "attribute '" << name
                             << "' must be a dictionary of #kernel.arena, got "
                             << attribute.getValue();
    auto arenaBytes = op->getAttrOfType<IntegerAttr>(kArenaBytesAttrName);
    for (NamedAttribute output : outputs) {
      auto slice = dyn_cast<ArenaAttr>(output.getValue());
      if (!slice)
        return op->emitError()
               << "output '" << output.getName().getValue()
               << "' must be a #kernel.arena slice, got " << output.getValue();
      if (arenaBytes && slice.getEnd() > arenaBytes.getInt())
        return op->emitError()
               << "output '" << output.getName().getValue() << "' ends at byte "
               << slice.getEnd() << ", past the arena of "
               << arenaBytes.getInt() << " bytes";
    }
    return success();
  }
  return op->emitError() << "unknown kernel dialect attribute '" << name << "'";
}
