// Emits the llm-dialect graph of a LLaMA-family decoder, layer by layer, in the
// order the model computes it.
#include "compiler/Frontend/ModuleBuilder.h"

#include "dialects/LLM/IR/LLMDialect.h"
#include "dialects/LLM/IR/LLMOps.h"
#include "runtime/formats/ModelLoader.h"
#include "runtime/model/WeightNames.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

#include <cmath>

namespace llmc {

namespace names = weight_names;
using namespace mlir;

void loadModelDialects(MLIRContext &context) {
  context.loadDialect<llm::LLMDialect, func::FuncDialect>();
}

static Type elementTypeOf(OpBuilder &b, DType dtype) {
  switch (dtype) {
  case DType::F32:
    return b.getF32Type();
  case DType::F16:
    return b.getF16Type();
  case DType::BF16:
    return b.getBF16Type();
  case DType::F8E4M3:
    return b.getFloat8E4M3FNType();
  }
  return b.getF32Type();
}

static llm::RopeStyle ropeStyleOf(RopeStyle style) {
  return style == RopeStyle::Interleaved ? llm::RopeStyle::Interleaved
                                         : llm::RopeStyle::HalfSplit;
}

namespace {

/// Emits the body of @forward; one method per block of the decoder.
class ForwardEmitter {
public:
  ForwardEmitter(OpBuilder &b, const ModelConfig &config, Value positions)
      : b(b), loc(b.getUnknownLoc()), config(config), positions(positions) {
    if (config.ropeScaling.kind == RopeScaling::Kind::Llama3) {
      const RopeScaling &s = config.ropeScaling;
      ropeScaling = llm::RopeScalingAttr::get(
          b.getContext(), llm::RopeScalingKind::Llama3, s.factor,
          s.lowFreqFactor, s.highFreqFactor, s.originalMaxPositionEmbeddings);
    }
  }

  /// One pre-norm decoder layer; returns the new residual stream.
  Value layer(int64_t i, Value x, Value &cache) {
    // Attention block: x + o_proj(attention(rope(q), cache with rope(k), v)).
    Value h =
        b.create<llm::RMSNormOp>(loc, x, names::attnNorm(i), config.normEps);
    bool bias = config.qkvBias;
    Value q = linear(h, names::wq(i), config.qDim(), bias ? names::bq(i) : "");
    Value k = linear(h, names::wk(i), config.kvDim(), bias ? names::bk(i) : "");
    Value v = linear(h, names::wv(i), config.kvDim(), bias ? names::bv(i) : "");
    if (config.qkNorm) {
      q = headNorm(q, names::qNorm(i));
      k = headNorm(k, names::kNorm(i));
    }
    q = rope(q, config.numHeads);
    k = rope(k, config.numKvHeads);
    cache = b.create<llm::KVCacheWriteOp>(loc, cache, k, v, positions, i);
    double scale = 1.0 / std::sqrt(double(config.headDim));
    Value attn =
        b.create<llm::AttentionOp>(loc, q, cache, positions, i, config.numHeads,
                                   scale, config.slidingWindow);
    x = b.create<llm::AddOp>(loc, x, linear(attn, names::wo(i), config.dim));

    // MLP block: x + down(silu(gate(h)) * up(h)).
    h = b.create<llm::RMSNormOp>(loc, x, names::ffnNorm(i), config.normEps);
    Value gate = linear(h, names::wGate(i), config.ffnDim);
    Value up = linear(h, names::wUp(i), config.ffnDim);
    Value act = b.create<llm::SwiGLUOp>(loc, gate, up);
    return b.create<llm::AddOp>(loc, x,
                                linear(act, names::wDown(i), config.dim));
  }

private:
  Value linear(Value x, const std::string &weight, int64_t outDim,
               const std::string &bias = "") {
    return b.create<llm::LinearOp>(loc, x, weight, outDim, bias);
  }
  Value headNorm(Value x, const std::string &weight) {
    return b.create<llm::HeadRMSNormOp>(loc, x, weight, config.headDim,
                                        config.normEps);
  }
  Value rope(Value x, int64_t numHeads) {
    return b.create<llm::RopeOp>(loc, x, positions, numHeads, config.headDim,
                                 config.ropeTheta,
                                 ropeStyleOf(config.ropeStyle), ropeScaling);
  }

  OpBuilder &b;
  Location loc;
  const ModelConfig &config;
  Value positions;
  llm::RopeScalingAttr ropeScaling;
};

} // namespace

StatusOr<OwningOpRef<ModuleOp>> buildModelModule(MLIRContext &context,
                                                 const ModelConfig &config,
                                                 const WeightStore &weights) {
  LLMC_RETURN_IF_ERROR(config.validate(config.name));
  LLMC_RETURN_IF_ERROR(checkWeights(config, weights, config.name));
  // FP8 checkpoints load, but the llm dialect carries no weight scales yet:
  // a graph reading the codes as values would compute nonsense.
  for (const CanonicalWeight &w : canonicalWeights(config))
    if (weights.find(w.name)->dtype == DType::F8E4M3)
      return Status::error(config.name + ": weight '" + w.name +
                           "' is f8e4m3: f8e4m3 weights need FP8 support in "
                           "the llm dialect and the compiler, which this "
                           "build does not have");
  loadModelDialects(context);

  OpBuilder b(&context);
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  module->getOperation()->setAttr(llm::kModelNameAttrName,
                                  b.getStringAttr(config.name));
  b.setInsertionPointToEnd(module->getBody());

  // Weight symbols, in execution order, with the element type they are stored
  // in.
  for (const CanonicalWeight &w : canonicalWeights(config)) {
    const WeightTensor *tensor = weights.find(w.name);
    auto type = RankedTensorType::get(w.shape, elementTypeOf(b, tensor->dtype));
    b.create<llm::WeightOp>(loc, w.name, type);
  }

  auto tokensType =
      RankedTensorType::get({ShapedType::kDynamic}, b.getI32Type());
  auto cacheType =
      llm::KVCacheType::get(&context, config.numLayers, config.numKvHeads,
                            config.headDim, config.maxSeqLen, b.getF32Type());
  auto logitsType =
      llm::getActivationType(&context, ShapedType::kDynamic, config.vocabSize);
  auto funcType = b.getFunctionType({tokensType, tokensType, cacheType},
                                    {logitsType, cacheType});
  auto func = b.create<func::FuncOp>(loc, kForwardFunctionName, funcType);
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);

  Value tokens = body->getArgument(0);
  Value positions = body->getArgument(1);
  Value cache = body->getArgument(2);
  Value x =
      b.create<llm::EmbedOp>(loc, tokens, names::embedTokens(), config.dim);
  ForwardEmitter emitter(b, config, positions);
  for (int64_t i = 0; i < config.numLayers; ++i)
    x = emitter.layer(i, x, cache);
  std::string head =
      config.tieWordEmbeddings ? names::embedTokens() : names::lmHead();
  Value logits = b.create<llm::LogitsOp>(
      loc, x, names::finalNorm(), config.normEps, head, config.vocabSize);
  b.create<func::ReturnOp>(loc, ValueRange{logits, cache});

  if (failed(verify(*module)))
    return Status::error(config.name +
                         ": the built llm-dialect module does not verify");
  return module;
}

} // namespace llmc
