// Ops of the llm dialect: the custom type directive of their assembly format,
// the convenience builders that compute result types, and the verifiers of
// shapes and attribute ranges (built from the checks in LLMShapeChecks.h).
// Checks of the weights an op names live in LLMSymbolUses.cpp; the ops the
// fusion passes produce are verified in LLMFusedOps.cpp.
//
// Every message names the operand or attribute at fault and gives both the
// expected and the actual value, so that a frontend bug is found from the
// message alone.
#include "dialects/LLM/IR/LLMOps.h"
#include "dialects/LLM/IR/LLMShapeChecks.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::llm;

//===----------------------------------------------------------------------===//
// custom<SameTypes>: one type written for operands and results that must agree
//===----------------------------------------------------------------------===//

// The verifiers check that the types really agree (with a message naming the
// operand); this directive only keeps the textual form short.
static ParseResult parseSameTypes(OpAsmParser &parser, Type &first,
                                  Type &second) {
  if (parser.parseType(first))
    return failure();
  second = first;
  return success();
}

static ParseResult parseSameTypes(OpAsmParser &parser, Type &first,
                                  Type &second, Type &third) {
  if (parseSameTypes(parser, first, second))
    return failure();
  third = first;
  return success();
}

static void printSameTypes(OpAsmPrinter &printer, Operation *, Type first,
                           Type) {
  printer << first;
}

static void printSameTypes(OpAsmPrinter &printer, Operation *, Type first, Type,
                           Type) {
  printer << first;
}

#define GET_OP_CLASSES
#include "dialects/LLM/IR/LLMOps.cpp.inc"

using namespace mlir::llm::checks;

//===----------------------------------------------------------------------===//
// llm.weight
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  RankedTensorType type = getType();
  auto symbol = FlatSymbolRefAttr::get(getSymNameAttr());
  if (!type.hasStaticShape())
    return emitOpError() << "weight " << symbol
                         << " must have a static shape, got " << type;
  Type element = type.getElementType();
  if (!element.isBF16() && !element.isF16() && !element.isF32())
    return emitOpError() << "weight " << symbol
                         << " element type must be bf16, f16 or f32, got "
                         << element;
  return success();
}

//===----------------------------------------------------------------------===//
// llm.embed
//===----------------------------------------------------------------------===//

void EmbedOp::build(OpBuilder &builder, OperationState &state, Value tokens,
                    StringRef tableName, int64_t dim) {
  build(builder, state,
        getActivationType(builder.getContext(), getTokenDim(tokens.getType()),
                          dim),
        tokens, tableName);
}

LogicalResult EmbedOp::verify() {
  Named result{"result", getResult()};
  if (failed(requireStaticModelDims(*this, {result})))
    return failure();
  return requireResultTokens(*this, {"operand 'tokens'", getTokens()},
                             getResult());
}

//===----------------------------------------------------------------------===//
// llm.rms_norm
//===----------------------------------------------------------------------===//

void RMSNormOp::build(OpBuilder &builder, OperationState &state, Value x,
                      StringRef weightName, double eps) {
  build(builder, state, x.getType(), x, weightName, eps);
}

LogicalResult RMSNormOp::verify() {
  Named x{"operand 'x'", getX()};
  if (failed(requireStaticModelDims(*this, {x})) ||
      failed(requirePositive(*this, "eps", getEps())))
    return failure();
  return requireSameType(*this, {"result", getResult()}, x);
}

//===----------------------------------------------------------------------===//
// llm.linear
//===----------------------------------------------------------------------===//

void LinearOp::build(OpBuilder &builder, OperationState &state, Value x,
                     StringRef weightName, int64_t outDim, StringRef biasName) {
  FlatSymbolRefAttr bias;
  if (!biasName.empty())
    bias = FlatSymbolRefAttr::get(builder.getContext(), biasName);
  build(
      builder, state,
      getActivationType(builder.getContext(), getTokenDim(x.getType()), outDim),
      x, FlatSymbolRefAttr::get(builder.getContext(), weightName), bias);
}

LogicalResult LinearOp::verify() {
  Named x{"operand 'x'", getX()};
  if (failed(requireStaticModelDims(*this, {x, {"result", getResult()}})))
    return failure();
  return requireResultTokens(*this, x, getResult());
}

//===----------------------------------------------------------------------===//
// llm.head_rms_norm
//===----------------------------------------------------------------------===//

void HeadRMSNormOp::build(OpBuilder &builder, OperationState &state, Value x,
                          StringRef weightName, int64_t headDim, double eps) {
  build(builder, state, x.getType(), x, weightName, headDim, eps);
}

LogicalResult HeadRMSNormOp::verify() {
  Named x{"operand 'x'", getX()};
  if (failed(requireStaticModelDims(*this, {x})) ||
      failed(requirePositive(*this, "head_dim", getHeadDim())) ||
      failed(requirePositive(*this, "eps", getEps())))
    return failure();
  int64_t dim = x.tensor().getDimSize(1);
  if (dim % getHeadDim() != 0)
    return emitOpError() << "attribute 'head_dim' (" << getHeadDim()
                         << ") must divide the dim of operand 'x' (" << dim
                         << ") into whole heads";
  return requireSameType(*this, {"result", getResult()}, x);
}

//===----------------------------------------------------------------------===//
// llm.rope
//===----------------------------------------------------------------------===//

void RopeOp::build(OpBuilder &builder, OperationState &state, Value x,
                   Value positions, int64_t numHeads, int64_t headDim,
                   double theta, RopeStyle style, RopeScalingAttr scaling) {
  build(builder, state, x.getType(), x, positions,
        builder.getI64IntegerAttr(numHeads), builder.getI64IntegerAttr(headDim),
        builder.getF64FloatAttr(theta),
        RopeStyleAttr::get(builder.getContext(), style), scaling);
}

LogicalResult RopeOp::verify() {
  Named x{"operand 'x'", getX()};
  if (failed(requireStaticModelDims(*this, {x})) ||
      failed(requirePositive(*this, "num_heads", getNumHeads())) ||
      failed(requirePositive(*this, "head_dim", getHeadDim())) ||
      failed(requirePositive(*this, "theta", getTheta())))
    return failure();
  if (getHeadDim() % 2 != 0)
    return emitOpError() << "attribute 'head_dim' must be even (RoPE rotates "
                            "pairs), got "
                         << getHeadDim();
  std::string why = "num_heads * head_dim = " + std::to_string(getNumHeads()) +
                    " * " + std::to_string(getHeadDim());
  if (failed(requireModelDim(*this, x, getNumHeads() * getHeadDim(), why)) ||
      failed(requireCompatibleTokens(
          *this, {x, {"operand 'positions'", getPositions()}})))
    return failure();
  return requireSameType(*this, {"result", getResult()}, x);
}

//===----------------------------------------------------------------------===//
// llm.kv_cache_write
//===----------------------------------------------------------------------===//

void KVCacheWriteOp::build(OpBuilder &builder, OperationState &state,
                           Value cache, Value k, Value v, Value positions,
                           int64_t layer) {
  build(builder, state, cache.getType(), cache, k, v, positions, layer);
}

LogicalResult KVCacheWriteOp::verify() {
  auto cache = cast<KVCacheType>(getCache().getType());
  Named k{"operand 'k'", getK()};
  Named v{"operand 'v'", getV()};
  if (failed(requireStaticModelDims(*this, {k, v})) ||
      failed(requireLayerInCache(*this, getLayer(), cache)))
    return failure();
  std::string why = "the cache's kv_heads * head_dim = " +
                    std::to_string(cache.getNumKvHeads()) + " * " +
                    std::to_string(cache.getHeadDim());
  if (failed(requireModelDim(*this, k, cache.getKvDim(), why)) ||
      failed(requireModelDim(*this, v, cache.getKvDim(), why)) ||
      failed(requireCompatibleTokens(
          *this, {k, v, {"operand 'positions'", getPositions()}})))
    return failure();
  return requireSameType(*this, {"result", getResult()},
                         {"operand 'cache'", getCache()});
}

//===----------------------------------------------------------------------===//
// llm.attention
//===----------------------------------------------------------------------===//

void AttentionOp::build(OpBuilder &builder, OperationState &state, Value q,
                        Value cache, Value positions, int64_t layer,
                        int64_t numHeads, double scale, int64_t window) {
  IntegerAttr windowAttr;
  if (window != 0)
    windowAttr = builder.getI64IntegerAttr(window);
  build(builder, state, q.getType(), q, cache, positions,
        builder.getI64IntegerAttr(layer), builder.getI64IntegerAttr(numHeads),
        builder.getF64FloatAttr(scale), windowAttr);
}

LogicalResult AttentionOp::verify() {
  KVCacheType cache = getCacheType();
  Named q{"operand 'q'", getQ()};
  if (failed(requireStaticModelDims(*this, {q})) ||
      failed(requireLayerInCache(*this, getLayer(), cache)) ||
      failed(requirePositive(*this, "num_heads", getNumHeads())) ||
      failed(requirePositive(*this, "scale", getScale())))
    return failure();
  if (std::optional<int64_t> window = getWindow();
      window && failed(requirePositive(*this, "window", *window)))
    return failure();
  if (getNumHeads() % cache.getNumKvHeads() != 0)
    return emitOpError() << "attribute 'num_heads' (" << getNumHeads()
                         << ") must be a multiple of the cache's kv_heads ("
                         << cache.getNumKvHeads()
                         << ") for grouped-query attention";
  std::string why =
      "num_heads * the cache's head_dim = " + std::to_string(getNumHeads()) +
      " * " + std::to_string(cache.getHeadDim());
  if (failed(
          requireModelDim(*this, q, getNumHeads() * cache.getHeadDim(), why)) ||
      failed(requireCompatibleTokens(
          *this, {q, {"operand 'positions'", getPositions()}})))
    return failure();
  return requireSameType(*this, {"result", getResult()}, q);
}

//===----------------------------------------------------------------------===//
// llm.swiglu and llm.add
//===----------------------------------------------------------------------===//

/// Shared verifier of the elementwise binary ops: one type for all.
static LogicalResult verifyElementwise(Operation *op, Named lhs, Named rhs) {
  if (failed(requireStaticModelDims(op, {lhs})) ||
      failed(requireSameType(op, rhs, lhs)))
    return failure();
  return requireSameType(op, {"result", op->getResult(0)}, lhs);
}

LogicalResult SwiGLUOp::verify() {
  return verifyElementwise(*this, {"operand 'gate'", getGate()},
                           {"operand 'up'", getUp()});
}

LogicalResult AddOp::verify() {
  return verifyElementwise(*this, {"operand 'lhs'", getLhs()},
                           {"operand 'rhs'", getRhs()});
}

//===----------------------------------------------------------------------===//
// llm.logits
//===----------------------------------------------------------------------===//

void LogitsOp::build(OpBuilder &builder, OperationState &state, Value x,
                     StringRef normName, double eps, StringRef weightName,
                     int64_t vocabSize) {
  build(builder, state,
        getActivationType(builder.getContext(), getTokenDim(x.getType()),
                          vocabSize),
        x, normName, eps, weightName);
}

LogicalResult LogitsOp::verify() {
  Named x{"operand 'x'", getX()};
  if (failed(requireStaticModelDims(*this, {x, {"result", getResult()}})) ||
      failed(requirePositive(*this, "eps", getEps())))
    return failure();
  return requireResultTokens(*this, x, getResult());
}

//===----------------------------------------------------------------------===//
// llm.sample
//===----------------------------------------------------------------------===//

void SampleOp::build(OpBuilder &builder, OperationState &state, Value logits,
                     double temperature, int64_t topK, double topP,
                     int64_t seed) {
  auto resultType = RankedTensorType::get({getTokenDim(logits.getType())},
                                          builder.getI32Type());
  build(builder, state, resultType, logits, temperature, topK, topP, seed);
}

LogicalResult SampleOp::verify() {
  Named logits{"operand 'logits'", getLogits()};
  if (failed(requireStaticModelDims(*this, {logits})))
    return failure();
  if (!(getTemperature() >= 0.0))
    return emitOpError() << "attribute 'temperature' must be >= 0 (0 means "
                            "greedy), got "
                         << formatNumber(getTemperature());
  if (getTopK() < 0)
    return emitOpError()
           << "attribute 'top_k' must be >= 0 (0 means no limit), got "
           << getTopK();
  if (!(getTopP() > 0.0 && getTopP() <= 1.0))
    return emitOpError() << "attribute 'top_p' must be in (0, 1], got "
                         << formatNumber(getTopP());
  return requireResultTokens(*this, logits, getResult());
}
