// llm-fuse-epilogues: folds what follows a GEMM into the GEMM's epilogue
// (see Passes.td). Three patterns, one per fused op of the kernel library:
// the merged QKV projection with RoPE and the KV-cache write
// (llm.qkv_rope_cache), the merged gate/up projection with SwiGLU
// (llm.gate_up_swiglu), and a projection with the residual add
// (llm.linear_add). Each requires the intermediate values to have no other
// use, so that nothing but the fused op needs them.
#include "passes/Passes.h"

#include "dialects/LLM/IR/LLMOps.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::llm {
#define GEN_PASS_DEF_FUSEEPILOGUESPASS
#include "passes/Passes.h.inc"
} // namespace mlir::llm

using namespace mlir;
using namespace mlir::llm;

namespace {

/// The split of a merged projection that is the only user of its linear, or
/// null. `interleaved` and `numResults` say which merge it must come from.
SplitOp splitOfMergedLinear(Value value, bool interleaved,
                            unsigned numResults) {
  auto split = value.getDefiningOp<SplitOp>();
  if (!split || split.getInterleaved() != interleaved ||
      split.getNumResults() != numResults)
    return {};
  auto linear = split.getX().getDefiningOp<LinearOp>();
  if (!linear || !linear->hasOneUse())
    return {};
  return split;
}

/// Whether the two RoPEs apply the same rotation (everything but the head
/// count) at `positions`.
bool sameRotation(RopeOp a, RopeOp b, Value positions) {
  return a.getPositions() == positions && b.getPositions() == positions &&
         a.getHeadDim() == b.getHeadDim() && a.getTheta() == b.getTheta() &&
         a.getStyle() == b.getStyle() &&
         a.getScalingAttr() == b.getScalingAttr();
}

/// The value a rope rotates, looking through one llm.head_rms_norm used only
/// there (its norm, if any, goes to `norm`).
Value beforeHeadNorm(RopeOp rope, HeadRMSNormOp &norm) {
  norm = rope.getX().getDefiningOp<HeadRMSNormOp>();
  if (norm && !norm->hasOneUse())
    norm = {};
  return norm ? norm.getX() : rope.getX();
}

/// linear(x, Wqkv [, bias]) -> split -> [head_rms_norm(q), head_rms_norm(k)]
/// -> rope(q), rope(k) -> kv_cache_write(k, v) becomes llm.qkv_rope_cache.
struct FuseQkvRopeCache : OpRewritePattern<KVCacheWriteOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(KVCacheWriteOp write,
                                PatternRewriter &rewriter) const override {
    auto kRope = write.getK().getDefiningOp<RopeOp>();
    if (!kRope || !kRope->hasOneUse())
      return rewriter.notifyMatchFailure(write, "k is not a rope used once");
    HeadRMSNormOp kNorm;
    Value kProjected = beforeHeadNorm(kRope, kNorm);
    SplitOp split = splitOfMergedLinear(kProjected, false, 3);
    if (!split || kProjected != split.getResult(1) ||
        write.getV() != split.getResult(2) || !split.getResult(1).hasOneUse() ||
        !split.getResult(2).hasOneUse() || !split.getResult(0).hasOneUse())
      return rewriter.notifyMatchFailure(
          write, "k and v are not the split of a merged projection");
    // q goes through the same steps as k: a head norm with the same eps when
    // k has one, then the rope.
    Operation *qUser = *split.getResult(0).user_begin();
    auto qNorm = dyn_cast<HeadRMSNormOp>(qUser);
    if (bool(qNorm) != bool(kNorm) ||
        (qNorm && (!qNorm->hasOneUse() || qNorm.getEps() != kNorm.getEps() ||
                   qNorm.getHeadDim() != kNorm.getHeadDim())))
      return rewriter.notifyMatchFailure(
          write, "q and k are not head-normalized alike");
    auto qRope = dyn_cast<RopeOp>(qNorm ? *qNorm->user_begin() : qUser);
    if (!qRope || !sameRotation(qRope, kRope, write.getPositions()))
      return rewriter.notifyMatchFailure(
          write, "q and k are not rotated alike at the write's positions");
    if (kNorm && kNorm.getHeadDim() != kRope.getHeadDim())
      return rewriter.notifyMatchFailure(
          write, "the head norm's heads are not the rotation's heads");
    KVCacheType cache = write.getResult().getType();
    if (kRope.getHeadDim() != cache.getHeadDim() ||
        kRope.getNumHeads() != cache.getNumKvHeads())
      return rewriter.notifyMatchFailure(
          write, "the rotation's heads are not the cache's heads");
    // The fused op takes the write's place; the rotated q must not be needed
    // before it.
    for (Operation *user : qRope->getUsers())
      if (user->getBlock() != write->getBlock() ||
          !write->isBeforeInBlock(user))
        return rewriter.notifyMatchFailure(
            write, "the rotated q is used before the cache write");

    auto linear = split.getX().getDefiningOp<LinearOp>();
    SmallVector<Location> locations = {linear.getLoc(), split.getLoc(),
                                       qRope.getLoc(), kRope.getLoc(),
                                       write.getLoc()};
    if (qNorm)
      locations.append({qNorm.getLoc(), kNorm.getLoc()});
    auto fused = rewriter.create<QKVRopeCacheOp>(
        rewriter.getFusedLoc(locations), qRope.getType(), write.getType(),
        linear.getX(), write.getCache(), write.getPositions(),
        linear.getWeightAttr(), write.getLayerAttr(), qRope.getNumHeadsAttr(),
        qRope.getThetaAttr(), qRope.getStyleAttr(), qRope.getScalingAttr(),
        linear.getBiasAttr(),
        qNorm ? qNorm.getWeightAttr() : FlatSymbolRefAttr(),
        kNorm ? kNorm.getWeightAttr() : FlatSymbolRefAttr(),
        qNorm ? qNorm.getEpsAttr() : FloatAttr());
    rewriter.replaceOp(write, fused.getUpdatedCache());
    rewriter.replaceOp(qRope, fused.getQ());
    rewriter.eraseOp(kRope);
    if (qNorm) {
      rewriter.eraseOp(qNorm);
      rewriter.eraseOp(kNorm);
    }
    rewriter.eraseOp(split);
    rewriter.eraseOp(linear);
    return success();
  }
};

/// linear(x, Wgate_up) -> split interleaved -> swiglu(gate, up) becomes
/// llm.gate_up_swiglu.
struct FuseGateUpSwiGLU : OpRewritePattern<SwiGLUOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SwiGLUOp swiglu,
                                PatternRewriter &rewriter) const override {
    SplitOp split = splitOfMergedLinear(swiglu.getGate(), true, 2);
    if (!split || swiglu.getGate() != split.getResult(0) ||
        swiglu.getUp() != split.getResult(1) ||
        !split.getResult(0).hasOneUse() || !split.getResult(1).hasOneUse())
      return rewriter.notifyMatchFailure(
          swiglu, "gate and up are not the halves of a merged projection");
    auto linear = split.getX().getDefiningOp<LinearOp>();
    if (linear.getBiasAttr())
      return rewriter.notifyMatchFailure(
          swiglu, "the merged projection has a bias, which the op lacks");
    rewriter.replaceOpWithNewOp<GateUpSwiGLUOp>(
        swiglu, swiglu.getType(), linear.getX(), linear.getWeightAttr());
    rewriter.eraseOp(split);
    rewriter.eraseOp(linear);
    return success();
  }
};

/// add(residual, linear(x)) with the linear used only there becomes
/// llm.linear_add.
struct FuseLinearAdd : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    // The builder puts the projection on the rhs; try it first.
    for (auto [projected, residual] : {std::pair(add.getRhs(), add.getLhs()),
                                       std::pair(add.getLhs(), add.getRhs())}) {
      auto linear = projected.getDefiningOp<LinearOp>();
      // llm.linear_add has no bias.
      if (!linear || !linear->hasOneUse() || linear.getBiasAttr())
        continue;
      rewriter.replaceOpWithNewOp<LinearAddOp>(
          add, add.getType(), linear.getX(), linear.getWeightAttr(), residual);
      rewriter.eraseOp(linear);
      return success();
    }
    return rewriter.notifyMatchFailure(
        add, "neither operand is a linear used only by the add");
  }
};

struct FuseEpiloguesPass : llm::impl::FuseEpiloguesPassBase<FuseEpiloguesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseQkvRopeCache, FuseGateUpSwiGLU, FuseLinearAdd>(
        &getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
