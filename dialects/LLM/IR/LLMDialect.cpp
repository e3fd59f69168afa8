// The llm dialect: registration, the `!llm.kv_cache` type and the RoPE
// attributes (their verifiers), and the shape helpers shared by the op
// verifiers and builders.
#include "dialects/LLM/IR/LLMDialect.h"
#include "dialects/LLM/IR/LLMOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"

using namespace mlir;
using namespace mlir::llm;

#include "dialects/LLM/IR/LLMDialect.cpp.inc"

#include "dialects/LLM/IR/LLMEnums.cpp.inc"

#include "dialects/LLM/IR/LLMAttrInterfaces.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/LLM/IR/LLMAttrs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/LLM/IR/LLMTypes.cpp.inc"

void LLMDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/LLM/IR/LLMOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/LLM/IR/LLMAttrs.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/LLM/IR/LLMTypes.cpp.inc"
      >();
}

LogicalResult LLMDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attribute) {
  // Other `llm.*` discardable attributes are left to the passes that use them.
  if (attribute.getName() == kModelNameAttrName &&
      !isa<StringAttr>(attribute.getValue()))
    return op->emitError() << "attribute '" << kModelNameAttrName
                           << "' must be a string, got "
                           << attribute.getValue();
  if (attribute.getName() == kPhaseAttrName) {
    auto phase = dyn_cast<StringAttr>(attribute.getValue());
    if (!phase ||
        (phase.getValue() != "prefill" && phase.getValue() != "decode"))
      return op->emitError() << "attribute '" << kPhaseAttrName
                             << "' must be \"prefill\" or \"decode\", got "
                             << attribute.getValue();
  }
  return success();
}

/// Formats a floating-point value compactly for diagnostics ("0.5", "1e-05").
static std::string formatNumber(double value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format("%g", value);
  return text;
}

//===----------------------------------------------------------------------===//
// KVCacheType
//===----------------------------------------------------------------------===//

LogicalResult KVCacheType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t numLayers, int64_t numKvHeads,
                                  int64_t headDim, int64_t maxSeqLen,
                                  Type elementType) {
  const std::pair<const char *, int64_t> dims[] = {{"layers", numLayers},
                                                   {"kv_heads", numKvHeads},
                                                   {"head_dim", headDim},
                                                   {"max_seq_len", maxSeqLen}};
  for (auto [name, value] : dims)
    if (value <= 0)
      return emitError() << "!llm.kv_cache " << name
                         << " must be positive, got " << value;
  if (!elementType.isF32() && !elementType.isF16() && !elementType.isBF16())
    return emitError() << "!llm.kv_cache element type must be f32, f16 or "
                          "bf16, got "
                       << elementType;
  return success();
}

//===----------------------------------------------------------------------===//
// RopeScalingAttr
//===----------------------------------------------------------------------===//

LogicalResult
RopeScalingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        RopeScalingKind kind, llvm::APFloat factorValue,
                        llvm::APFloat lowFreqValue, llvm::APFloat highFreqValue,
                        int64_t originalMaxPosition) {
  double factor = factorValue.convertToDouble();
  double lowFreqFactor = lowFreqValue.convertToDouble();
  double highFreqFactor = highFreqValue.convertToDouble();
  // Written as negated comparisons so that NaN is rejected too.
  if (!(factor >= 1.0))
    return emitError() << "#llm.rope_scaling factor must be >= 1, got "
                       << formatNumber(factor);
  if (!(lowFreqFactor > 0.0))
    return emitError()
           << "#llm.rope_scaling low_freq_factor must be positive, got "
           << formatNumber(lowFreqFactor);
  if (!(lowFreqFactor < highFreqFactor))
    return emitError() << "#llm.rope_scaling low_freq_factor ("
                       << formatNumber(lowFreqFactor)
                       << ") must be less than high_freq_factor ("
                       << formatNumber(highFreqFactor) << ")";
  if (originalMaxPosition <= 0)
    return emitError()
           << "#llm.rope_scaling original_max_position must be positive, got "
           << originalMaxPosition;
  return success();
}

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

RankedTensorType mlir::llm::getActivationType(MLIRContext *context,
                                              int64_t tokens, int64_t dim) {
  return RankedTensorType::get({tokens, dim}, Float32Type::get(context));
}

int64_t mlir::llm::getTokenDim(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || tensor.getRank() == 0)
    return ShapedType::kDynamic;
  return tensor.getDimSize(0);
}
