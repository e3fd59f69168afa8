// Symbol-use verification of the llm ops that name weights (llm.embed,
// llm.rms_norm, llm.head_rms_norm, llm.linear (weight and bias), llm.logits,
// and the fused llm.add_rms_norm, llm.linear_add, llm.gate_up_swiglu,
// llm.qkv_rope_cache): the symbol must exist, be an llm.weight, and have
// exactly the shape the op reads. (A derived weight's own sources are checked
// in LLMDerivedWeights.cpp.)
//
// These checks run from the enclosing module's verifier
// (SymbolUserOpInterface), after every op has verified on its own, so the
// op's operand and result shapes can be trusted here.
#include "dialects/LLM/IR/LLMOps.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::llm;

/// Formats a shape for messages: "[288, 288]", with "?" for a dimension the op
/// does not constrain.
static std::string formatShape(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  llvm::interleave(
      shape,
      [&](int64_t dim) {
        text += ShapedType::isDynamic(dim) ? "?" : std::to_string(dim);
      },
      [&] { text += ", "; });
  return text + "]";
}

/// Checks that `symbol` names an llm.weight whose shape matches `expected`
/// (ShapedType::kDynamic matches any size). `role` is the attribute that
/// names the weight (e.g. "weight", "table"); `why` spells out where the
/// expected dims come from.
static LogicalResult
verifyWeightUse(Operation *user, SymbolTableCollection &symbolTable,
                llvm::StringRef role, FlatSymbolRefAttr symbol,
                llvm::ArrayRef<int64_t> expected, llvm::StringRef why) {
  Operation *target = symbolTable.lookupNearestSymbolFrom(user, symbol);
  if (!target)
    return user->emitOpError()
           << role << " " << symbol << " does not name any symbol";
  auto weight = dyn_cast<WeightOp>(target);
  if (!weight)
    return user->emitOpError()
           << role << " " << symbol << " names a '"
           << target->getName().getStringRef() << "', not an llm.weight";

  llvm::ArrayRef<int64_t> actual = weight.getType().getShape();
  bool matches = actual.size() == expected.size() &&
                 llvm::all_of(llvm::zip_equal(actual, expected), [](auto dims) {
                   auto [have, want] = dims;
                   return ShapedType::isDynamic(want) || have == want;
                 });
  if (!matches)
    return user->emitOpError()
           << role << " " << symbol << " has shape " << formatShape(actual)
           << " but " << user->getName().getStringRef() << " needs "
           << formatShape(expected) << " (" << why << ")";
  return success();
}

/// The model dim (dim 1) of an activation value.
static int64_t modelDim(Value value) {
  return cast<RankedTensorType>(value.getType()).getDimSize(1);
}

LogicalResult EmbedOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  int64_t dim = modelDim(getResult());
  return verifyWeightUse(*this, symbolTable, "table", getTableAttr(),
                         {ShapedType::kDynamic, dim},
                         "vocab=any, dim=" + std::to_string(dim));
}

LogicalResult RMSNormOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  int64_t dim = modelDim(getX());
  return verifyWeightUse(*this, symbolTable, "weight", getWeightAttr(), {dim},
                         "dim=" + std::to_string(dim));
}

LogicalResult LinearOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  int64_t out = getOutDim(), in = getInDim();
  if (failed(verifyWeightUse(
          *this, symbolTable, "weight", getWeightAttr(), {out, in},
          "out=" + std::to_string(out) + ", in=" + std::to_string(in))))
    return failure();
  if (!getBiasAttr())
    return success();
  return verifyWeightUse(*this, symbolTable, "bias", getBiasAttr(), {out},
                         "out=" + std::to_string(out));
}

LogicalResult
HeadRMSNormOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  int64_t headDim = getHeadDim();
  return verifyWeightUse(*this, symbolTable, "weight", getWeightAttr(),
                         {headDim}, "head_dim=" + std::to_string(headDim));
}

LogicalResult LogitsOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  int64_t dim = modelDim(getX()), vocab = modelDim(getResult());
  if (failed(verifyWeightUse(*this, symbolTable, "norm", getNormAttr(), {dim},
                             "dim=" + std::to_string(dim))))
    return failure();
  return verifyWeightUse(
      *this, symbolTable, "weight", getWeightAttr(), {vocab, dim},
      "vocab=" + std::to_string(vocab) + ", dim=" + std::to_string(dim));
}

LogicalResult
AddRMSNormOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  int64_t dim = modelDim(getX());
  return verifyWeightUse(*this, symbolTable, "weight", getWeightAttr(), {dim},
                         "dim=" + std::to_string(dim));
}

LogicalResult
LinearAddOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  int64_t out = modelDim(getResult()), in = modelDim(getX());
  return verifyWeightUse(
      *this, symbolTable, "weight", getWeightAttr(), {out, in},
      "out=" + std::to_string(out) + ", in=" + std::to_string(in));
}

LogicalResult
GateUpSwiGLUOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  int64_t ffn = modelDim(getResult()), in = modelDim(getX());
  return verifyWeightUse(
      *this, symbolTable, "weight", getWeightAttr(), {2 * ffn, in},
      "2 * ffn=" + std::to_string(ffn) +
          " interleaved gate/up rows, in=" + std::to_string(in));
}

LogicalResult
QKVRopeCacheOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  KVCacheType cache = getCacheType();
  int64_t rows =
      (getNumHeads() + 2 * cache.getNumKvHeads()) * cache.getHeadDim();
  int64_t in = modelDim(getX());
  std::string why = "(num_heads + 2 * kv_heads) * head_dim = (" +
                    std::to_string(getNumHeads()) + " + 2 * " +
                    std::to_string(cache.getNumKvHeads()) + ") * " +
                    std::to_string(cache.getHeadDim());
  if (failed(verifyWeightUse(*this, symbolTable, "weight", getWeightAttr(),
                             {rows, in}, why + ", in=" + std::to_string(in))))
    return failure();
  if (getBiasAttr() && failed(verifyWeightUse(*this, symbolTable, "bias",
                                              getBiasAttr(), {rows}, why)))
    return failure();
  int64_t headDim = cache.getHeadDim();
  for (auto [role, norm] : {std::pair("q_norm", getQNormAttr()),
                            std::pair("k_norm", getKNormAttr())})
    if (norm &&
        failed(verifyWeightUse(*this, symbolTable, role, norm, {headDim},
                               "head_dim=" + std::to_string(headDim))))
      return failure();
  return success();
}
