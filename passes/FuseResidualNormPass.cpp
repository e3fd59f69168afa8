// llm-fuse-residual-norm: a residual add and the RMSNorm that reads its sum
// become one llm.add_rms_norm (see Passes.td), the fused residual-add + RMSNorm
// kernel that reads the stream once and writes both the sum and its norm.
#include "passes/Passes.h"

#include "dialects/LLM/IR/LLMOps.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::llm {
#define GEN_PASS_DEF_FUSERESIDUALNORMPASS
#include "passes/Passes.h.inc"
} // namespace mlir::llm

using namespace mlir;
using namespace mlir::llm;

namespace {

struct FuseAddIntoNorm : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    // The earliest norm of the sum in the add's block: the fused op sits where
    // the add is, so any norm after it can take its result.
    RMSNormOp norm;
    for (Operation *user : add->getUsers()) {
      auto candidate = dyn_cast<RMSNormOp>(user);
      if (candidate && candidate->getBlock() == add->getBlock() &&
          (!norm || candidate->isBeforeInBlock(norm)))
        norm = candidate;
    }
    if (!norm)
      return rewriter.notifyMatchFailure(add, "no llm.rms_norm reads the sum");

    Type type = add.getType();
    auto fused = rewriter.create<AddRMSNormOp>(
        rewriter.getFusedLoc({add.getLoc(), norm.getLoc()}), type, type,
        add.getLhs(), add.getRhs(), norm.getWeightAttr(), norm.getEpsAttr());
    rewriter.replaceOp(norm, fused.getNormed());
    rewriter.replaceOp(add, fused.getSum());
    return success();
  }
};

struct FuseResidualNormPass
    : llm::impl::FuseResidualNormPassBase<FuseResidualNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAddIntoNorm>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
