// The llm dialect: graph-level IR of a LLaMA-family decoder.
//
// Including this header gives the dialect class, its enums (RopeStyle,
// RopeScalingKind), its attributes (RopeStyleAttr, RopeScalingAttr, and the
// derived-weight attributes ConcatAttr and InterleaveRowsAttr with their
// DerivedWeightAttrInterface) and its type (KVCacheType). The ops are declared
// in LLMOps.h.
#pragma once

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

#include "dialects/LLM/IR/LLMDialect.h.inc"

#include "dialects/LLM/IR/LLMEnums.h.inc"

#include "dialects/LLM/IR/LLMAttrInterfaces.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/LLM/IR/LLMAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/LLM/IR/LLMTypes.h.inc"

namespace mlir::llm {

/// Name of the module attribute that holds the model's name (a string), e.g.
/// `module attributes {llm.model_name = "stories15M"}`.
inline constexpr llvm::StringLiteral kModelNameAttrName = "llm.model_name";

/// Name of the function attribute that says which phase a specialized model
/// function runs: "prefill" (any number of prompt tokens) or "decode" (one
/// token per slot). Set by the llm-specialize-phase pass.
inline constexpr llvm::StringLiteral kPhaseAttrName = "llm.phase";

/// Returns the activation type `tensor<tokens x dim x f32>`; `tokens` may be
/// ShapedType::kDynamic.
RankedTensorType getActivationType(MLIRContext *context, int64_t tokens,
                                   int64_t dim);

/// Returns the token count (dim 0) of a ranked tensor type, or
/// ShapedType::kDynamic when it is dynamic or the type is not a ranked tensor.
int64_t getTokenDim(Type type);

} // namespace mlir::llm
