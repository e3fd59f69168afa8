// llm-fuse-gate-up: merges the gate and up projections of each MLP into one
// projection over an `#llm.interleave_rows` weight (see Passes.td).
//
// The interleaved split keeps the SwiGLU itself unchanged: its operands become
// the two halves of the merged output, and llm-fuse-epilogues later folds the
// whole chain into llm.gate_up_swiglu.
#include "passes/LinearMerging.h"
#include "passes/Passes.h"

#include "llvm/ADT/SmallPtrSet.h"

namespace mlir::llm {
#define GEN_PASS_DEF_FUSEGATEUPPASS
#include "passes/Passes.h.inc"
} // namespace mlir::llm

using namespace mlir;
using namespace mlir::llm;

namespace {

struct FuseGateUpPass : llm::impl::FuseGateUpPassBase<FuseGateUpPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Match everything first, then rewrite (rewriting replaces the linears).
    SmallVector<std::pair<LinearOp, LinearOp>> pairs;
    module.walk([&](SwiGLUOp swiglu) {
      auto gate = swiglu.getGate().getDefiningOp<LinearOp>();
      auto up = swiglu.getUp().getDefiningOp<LinearOp>();
      if (gate && up && gate != up && gate.getX() == up.getX())
        pairs.push_back({gate, up});
    });

    SymbolTable symbols(module);
    IRRewriter rewriter(&getContext());
    llvm::SmallPtrSet<Operation *, 16> merged;
    for (auto [gate, up] : pairs) {
      // Two SwiGLUs of the same projections: the first merge serves both.
      if (merged.contains(gate) || merged.contains(up))
        continue;
      merged.insert(gate);
      merged.insert(up);
      (void)mergeLinears(rewriter, symbols, {gate, up},
                         MergeLayout::InterleaveRows, "gate_up");
    }
  }
};

} // namespace
