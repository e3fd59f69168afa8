// Shape and attribute checks shared by the verifiers of the llm ops
// (LLMOps.cpp, LLMFusedOps.cpp).
//
// Every check emits an op error that names the operand or attribute at fault
// and gives both the expected and the actual value, so that a frontend or pass
// bug is found from the message alone.
#pragma once

#include "dialects/LLM/IR/LLMDialect.h"

#include "mlir/IR/Operation.h"

#include <string>

namespace mlir::llm::checks {

/// An operand or result of an op together with the name messages use for it.
struct Named {
  llvm::StringRef name;
  Value value;

  RankedTensorType tensor() const {
    return cast<RankedTensorType>(value.getType());
  }
  int64_t tokens() const { return getTokenDim(value.getType()); }
};

/// Formats a dimension for messages: "?" when dynamic.
std::string formatDim(int64_t dim);

/// Formats a floating-point value compactly for messages ("0.5", "1e-05").
std::string formatNumber(double value);

/// Requires every listed [tokens, dim] activation to have a static dim 1:
/// only the token count may be dynamic.
LogicalResult requireStaticModelDims(Operation *op,
                                     llvm::ArrayRef<Named> values);

/// Requires the model dim (dim 1) of `v` to equal `expected`; `why` says where
/// the expected value comes from.
LogicalResult requireModelDim(Operation *op, const Named &v, int64_t expected,
                              llvm::StringRef why);

/// Requires the token dims of all listed values to agree where they are
/// static (a dynamic token dim is compatible with any).
LogicalResult requireCompatibleTokens(Operation *op,
                                      llvm::ArrayRef<Named> values);

/// Requires the result's token dim to be exactly that of `source` (both
/// dynamic or both the same static size): the result has one row per input
/// row.
LogicalResult requireResultTokens(Operation *op, const Named &source,
                                  Value result);

/// Requires `actual` (an operand or result) to have the type of `reference`.
LogicalResult requireSameType(Operation *op, const Named &actual,
                              const Named &reference);

/// Requires a floating-point attribute to be strictly positive (NaN fails).
LogicalResult requirePositive(Operation *op, llvm::StringRef attr,
                              double value);

/// Requires an integer attribute to be strictly positive.
LogicalResult requirePositive(Operation *op, llvm::StringRef attr,
                              int64_t value);

/// Requires `layer` to index one of the cache's layers.
LogicalResult requireLayerInCache(Operation *op, int64_t layer,
                                  KVCacheType cache);

} // namespace mlir::llm::checks
