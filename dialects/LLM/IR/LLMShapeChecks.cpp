// Shape and attribute checks shared by the verifiers of the llm ops (see
// LLMShapeChecks.h for what each one requires).
#include "dialects/LLM/IR/LLMShapeChecks.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::llm::checks {

std::string formatDim(int64_t dim) {
  return ShapedType::isDynamic(dim) ? "?" : std::to_string(dim);
}

std::string formatNumber(double value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format("%g", value);
  return text;
}

LogicalResult requireStaticModelDims(Operation *op,
                                     llvm::ArrayRef<Named> values) {
  for (const Named &v : values)
    if (v.tensor().isDynamicDim(1))
      return op->emitOpError()
             << v.name << " must have a static dim 1 (only the token dim may "
             << "be dynamic), got " << v.tensor();
  return success();
}

LogicalResult requireModelDim(Operation *op, const Named &v, int64_t expected,
                              llvm::StringRef why) {
  int64_t actual = v.tensor().getDimSize(1);
  if (actual != expected)
    return op->emitOpError() << v.name << " dim 1 must be " << expected << " ("
                             << why << "), got " << actual;
  return success();
}

LogicalResult requireCompatibleTokens(Operation *op,
                                      llvm::ArrayRef<Named> values) {
  const Named *firstStatic = nullptr;
  for (const Named &v : values) {
    if (ShapedType::isDynamic(v.tokens()))
      continue;
    if (!firstStatic) {
      firstStatic = &v;
      continue;
    }
    if (v.tokens() != firstStatic->tokens())
      return op->emitOpError() << "token dims of " << firstStatic->name << " ("
                               << firstStatic->tokens() << ") and " << v.name
                               << " (" << v.tokens() << ") must agree";
  }
  return success();
}

LogicalResult requireResultTokens(Operation *op, const Named &source,
                                  Value result) {
  int64_t actual = getTokenDim(result.getType());
  if (actual != source.tokens())
    return op->emitOpError() << "result token dim (" << formatDim(actual)
                             << ") must equal the token dim of " << source.name
                             << " (" << formatDim(source.tokens()) << ")";
  return success();
}

LogicalResult requireSameType(Operation *op, const Named &actual,
                              const Named &reference) {
  if (actual.value.getType() != reference.value.getType())
    return op->emitOpError()
           << actual.name << " type " << actual.value.getType()
           << " must equal the type of " << reference.name << " "
           << reference.value.getType();
  return success();
}

LogicalResult requirePositive(Operation *op, llvm::StringRef attr,
                              double value) {
  if (!(value > 0.0))
    return op->emitOpError()
           << "attribute '" << attr << "' must be positive, got "
           << formatNumber(value);
  return success();
}

LogicalResult requirePositive(Operation *op, llvm::StringRef attr,
                              int64_t value) {
  if (value <= 0)
    return op->emitOpError()
           << "attribute '" << attr << "' must be positive, got " << value;
  return success();
}

LogicalResult requireLayerInCache(Operation *op, int64_t layer,
                                  KVCacheType cache) {
  if (layer < 0 || layer >= cache.getNumLayers())
    return op->emitOpError()
           << "attribute 'layer' must be in [0, " << cache.getNumLayers()
           << ") for a cache of " << cache.getNumLayers() << " layers, got "
           << layer;
  return success();
}

} // namespace mlir::llm::checks
