// Derived weights: the `#llm.concat` and `#llm.interleave_rows` attributes
// (their verifiers, shape rules and row maps) and the check, run from the
// module's symbol verification, that a derived `llm.weight` names existing
// source weights whose shapes add up to its own.
#include "dialects/LLM/IR/LLMOps.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::llm;

/// Formats a shape for messages: "[288, 288]".
static std::string formatShape(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  llvm::interleave(
      shape, [&](int64_t dim) { text += std::to_string(dim); },
      [&] { text += ", "; });
  return text + "]";
}

/// Shared attribute verifier: at least two sources, all flat symbol
/// references (`mnemonic` names the attribute in messages).
static LogicalResult verifySources(function_ref<InFlightDiagnostic()> emitError,
                                   llvm::StringRef mnemonic,
                                   ArrayAttr sources) {
  if (!sources || sources.size() < 2)
    return emitError() << "#llm." << mnemonic
                       << " needs at least two source weights";
  for (Attribute source : sources)
    if (!isa<FlatSymbolRefAttr>(source))
      return emitError() << "#llm." << mnemonic
                         << " sources must be weight symbols (@name), got "
                         << source;
  return success();
}

/// Checks the part of the shape rule both layouts share: every source is 2-D
/// with the same number of columns. Returns that column count.
static FailureOr<int64_t>
commonColumns(llvm::ArrayRef<llvm::ArrayRef<int64_t>> shapes,
              std::string &why) {
  for (auto [i, shape] : llvm::enumerate(shapes)) {
    if (shape.size() != 2) {
      why = "source " + std::to_string(i) + " has shape " + formatShape(shape) +
            ", not [rows, columns]";
      return failure();
    }
    if (shape[1] != shapes.front()[1]) {
      why = "source " + std::to_string(i) + " has " + std::to_string(shape[1]) +
            " columns but source 0 has " + std::to_string(shapes.front()[1]);
      return failure();
    }
  }
  return shapes.front()[1];
}

//===----------------------------------------------------------------------===//
// #llm.concat
//===----------------------------------------------------------------------===//

LogicalResult ConcatAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 ArrayAttr sources) {
  return verifySources(emitError, getMnemonic(), sources);
}

FailureOr<SmallVector<int64_t>>
ConcatAttr::inferShape(llvm::ArrayRef<llvm::ArrayRef<int64_t>> sourceShapes,
                       std::string &why) const {
  // Vectors (the biases of merged projections) concatenate element-wise.
  if (sourceShapes.front().size() == 1) {
    int64_t length = 0;
    for (auto [i, shape] : llvm::enumerate(sourceShapes)) {
      if (shape.size() != 1) {
        why = "source " + std::to_string(i) + " has shape " +
              formatShape(shape) + " but source 0 is a vector";
        return failure();
      }
      length += shape[0];
    }
    return SmallVector<int64_t>{length};
  }
  FailureOr<int64_t> columns = commonColumns(sourceShapes, why);
  if (failed(columns))
    return failure();
  int64_t rows = 0;
  for (llvm::ArrayRef<int64_t> shape : sourceShapes)
    rows += shape[0];
  return SmallVector<int64_t>{rows, *columns};
}

std::pair<unsigned, int64_t>
ConcatAttr::getSourceRow(llvm::ArrayRef<int64_t> sourceRows,
                         int64_t row) const {
  unsigned source = 0;
  while (source + 1 < sourceRows.size() && row >= sourceRows[source])
    row -= sourceRows[source++];
  return {source, row};
}

//===----------------------------------------------------------------------===//
// #llm.interleave_rows
//===----------------------------------------------------------------------===//

LogicalResult
InterleaveRowsAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                           ArrayAttr sources) {
  return verifySources(emitError, getMnemonic(), sources);
}

FailureOr<SmallVector<int64_t>> InterleaveRowsAttr::inferShape(
    llvm::ArrayRef<llvm::ArrayRef<int64_t>> sourceShapes,
    std::string &why) const {
  FailureOr<int64_t> columns = commonColumns(sourceShapes, why);
  if (failed(columns))
    return failure();
  for (auto [i, shape] : llvm::enumerate(sourceShapes))
    if (shape[0] != sourceShapes.front()[0]) {
      why = "interleaved sources must have the same number of rows, but "
            "source " +
            std::to_string(i) + " has " + std::to_string(shape[0]) +
            " and source 0 has " + std::to_string(sourceShapes.front()[0]);
      return failure();
    }
  int64_t n = int64_t(sourceShapes.size());
  return SmallVector<int64_t>{n * sourceShapes.front()[0], *columns};
}

std::pair<unsigned, int64_t>
InterleaveRowsAttr::getSourceRow(llvm::ArrayRef<int64_t> sourceRows,
                                 int64_t row) const {
  int64_t n = int64_t(sourceRows.size());
  return {unsigned(row % n), row / n};
}

//===----------------------------------------------------------------------===//
// llm.weight: the sources of a derived weight
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  DerivedWeightAttrInterface derivation = getDerivationAttr();
  if (!derivation)
    return success();
  auto self = FlatSymbolRefAttr::get(getSymNameAttr());
  SmallVector<llvm::ArrayRef<int64_t>> shapes;
  for (Attribute source : derivation.getSourceWeights()) {
    auto name = cast<FlatSymbolRefAttr>(source);
    auto weight = symbolTable.lookupNearestSymbolFrom<WeightOp>(*this, name);
    if (!weight)
      return emitOpError() << "derived weight " << self << " has source "
                           << name << ", which is not an llm.weight";
    // Materializing weights in one pass over the sources needs them to be
    // checkpoint (or synthetic) tensors.
    if (weight.getDerivationAttr())
      return emitOpError() << "derived weight " << self << " has source "
                           << name << ", which is itself derived";
    if (weight.getType().getElementType() != getType().getElementType())
      return emitOpError() << "derived weight " << self << " has element type "
                           << getType().getElementType() << " but its source "
                           << name << " has "
                           << weight.getType().getElementType();
    shapes.push_back(weight.getType().getShape());
  }
  std::string why;
  FailureOr<SmallVector<int64_t>> expected = derivation.inferShape(shapes, why);
  if (failed(expected))
    return emitOpError() << "derived weight " << self
                         << ": its sources do not combine: " << why;
  if (llvm::ArrayRef<int64_t>(*expected) != getType().getShape())
    return emitOpError() << "derived weight " << self << " has shape "
                         << formatShape(getType().getShape())
                         << " but its sources combine to "
                         << formatShape(*expected);
  return success();
}
