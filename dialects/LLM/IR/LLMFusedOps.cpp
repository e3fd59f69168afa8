// Verifiers of the ops the fusion passes produce (LLMFusedOps.td): the shapes
// and attribute ranges of each op on its own. The weights they name are
// checked in LLMSymbolUses.cpp.
#include "dialects/LLM/IR/LLMOps.h"
#include "dialects/LLM/IR/LLMShapeChecks.h"

using namespace mlir;
using namespace mlir::llm;
using namespace mlir::llm::checks;

//===----------------------------------------------------------------------===//
// llm.split
//===----------------------------------------------------------------------===//

LogicalResult SplitOp::verify() {
  Named x{"operand 'x'", getX()};
  if (getNumResults() < 2)
    return emitOpError() << "must have at least two results, got "
                         << getNumResults();
  if (failed(requireStaticModelDims(*this, {x})))
    return failure();
  int64_t total = 0, firstWidth = 0;
  for (auto [i, result] : llvm::enumerate(getResults())) {
    std::string name = "result #" + std::to_string(i);
    Named r{name, result};
    if (failed(requireStaticModelDims(*this, {r})) ||
        failed(requireResultTokens(*this, x, result)))
      return failure();
    int64_t width = r.tensor().getDimSize(1);
    if (i == 0)
      firstWidth = width;
    if (getInterleaved() && width != firstWidth)
      return emitOpError() << "interleaved results must have the same dim, "
                              "but result #"
                           << i << " has " << width << " and result #0 has "
                           << firstWidth;
    total += width;
  }
  if (total != x.tensor().getDimSize(1))
    return emitOpError() << "result dims add up to " << total
                         << " but operand 'x' has dim "
                         << x.tensor().getDimSize(1);
  return success();
}

//===----------------------------------------------------------------------===//
// llm.add_rms_norm
//===----------------------------------------------------------------------===//

LogicalResult AddRMSNormOp::verify() {
  if (failed(requireStaticModelDims(*this,
                                    {{"operand 'residual'", getResidual()}})))
    return failure();
  return requirePositive(*this, "eps", getEps());
}

//===----------------------------------------------------------------------===//
// llm.linear_add
//===----------------------------------------------------------------------===//

LogicalResult LinearAddOp::verify() {
  Named x{"operand 'x'", getX()};
  Named residual{"operand 'residual'", getResidual()};
  if (failed(requireStaticModelDims(*this, {x, residual})))
    return failure();
  return requireResultTokens(*this, x, getResult());
}

//===----------------------------------------------------------------------===//
// llm.gate_up_swiglu
//===----------------------------------------------------------------------===//

LogicalResult GateUpSwiGLUOp::verify() {
  Named x{"operand 'x'", getX()};
  if (failed(requireStaticModelDims(*this, {x, {"result", getResult()}})))
    return failure();
  return requireResultTokens(*this, x, getResult());
}

//===----------------------------------------------------------------------===//
// llm.qkv_rope_cache
//===----------------------------------------------------------------------===//

LogicalResult QKVRopeCacheOp::verify() {
  KVCacheType cache = getCacheType();
  Named x{"operand 'x'", getX()};
  Named q{"result 'q'", getQ()};
  if (failed(requireStaticModelDims(*this, {x, q})) ||
      failed(requireLayerInCache(*this, getLayer(), cache)) ||
      failed(requirePositive(*this, "num_heads", getNumHeads())) ||
      failed(requirePositive(*this, "theta", getTheta())))
    return failure();
  // The q/k norms come as a set: one scale per side and their eps.
  bool anyNorm = getQNormAttr() || getKNormAttr() || getNormEps();
  if (anyNorm && !(getQNormAttr() && getKNormAttr() && getNormEps()))
    return emitOpError() << "attributes 'q_norm', 'k_norm' and 'norm_eps' "
                            "must be given together or not at all";
  if (std::optional<double> eps = getNormEps();
      eps && failed(requirePositive(*this, "norm_eps", *eps)))
    return failure();
  if (getNumHeads() % cache.getNumKvHeads() != 0)
    return emitOpError() << "attribute 'num_heads' (" << getNumHeads()
                         << ") must be a multiple of the cache's kv_heads ("
                         << cache.getNumKvHeads()
                         << ") for grouped-query attention";
  if (cache.getHeadDim() % 2 != 0)
    return emitOpError() << "the cache's head_dim must be even (RoPE rotates "
                            "pairs), got "
                         << cache.getHeadDim();
  std::string why =
      "num_heads * the cache's head_dim = " + std::to_string(getNumHeads()) +
      " * " + std::to_string(cache.getHeadDim());
  if (failed(
          requireModelDim(*this, q, getNumHeads() * cache.getHeadDim(), why)) ||
      failed(requireCompatibleTokens(
          *this, {x, {"operand 'positions'", getPositions()}})))
    return failure();
  return requireResultTokens(*this, x, getQ());
}
