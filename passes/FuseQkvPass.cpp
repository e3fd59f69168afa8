// llm-fuse-qkv: merges the q, k and v projections of each attention block into
// one projection over a `#llm.concat` weight (see Passes.td).
//
// The three linears are found from the KV-cache write, whose structure names
// their roles without relying on weight names: k is stored after RoPE, v is
// stored as is, and q is rotated into the query of the attention that reads
// the written cache.
#include "passes/LinearMerging.h"
#include "passes/Passes.h"

#include "llvm/ADT/DenseSet.h"

namespace mlir::llm {
#define GEN_PASS_DEF_FUSEQKVPASS
#include "passes/Passes.h.inc"
} // namespace mlir::llm

using namespace mlir;
using namespace mlir::llm;

namespace {

/// The q, k and v projections of one attention block, in that order.
struct QkvGroup {
  LinearOp q, k, v;
};

/// The linear whose output `value` is after one llm.rope, possibly preceded
/// by one llm.head_rms_norm (Qwen3's q/k norms), or null.
LinearOp linearBeforeRope(Value value) {
  auto rope = value.getDefiningOp<RopeOp>();
  if (!rope)
    return LinearOp();
  Value rotated = rope.getX();
  if (auto norm = rotated.getDefiningOp<HeadRMSNormOp>())
    rotated = norm.getX();
  return rotated.getDefiningOp<LinearOp>();
}

/// Matches the projections that feed `write` and the attention reading it;
/// nothing when the block does not have exactly that structure.
std::optional<QkvGroup> matchQkv(KVCacheWriteOp write) {
  LinearOp k = linearBeforeRope(write.getK());
  auto v = write.getV().getDefiningOp<LinearOp>();
  if (!k || !v || k == v || k.getX() != v.getX())
    return std::nullopt;
  LinearOp q;
  for (Operation *user : write.getResult().getUsers()) {
    auto attention = dyn_cast<AttentionOp>(user);
    if (!attention)
      continue;
    LinearOp candidate = linearBeforeRope(attention.getQ());
    if (!candidate || candidate.getX() != k.getX() || candidate == k ||
        candidate == v)
      continue;
    // Two different queries of one cache write: no single q to merge.
    if (q && q != candidate)
      return std::nullopt;
    q = candidate;
  }
  if (!q)
    return std::nullopt;
  return QkvGroup{q, k, v};
}

struct FuseQkvPass : llm::impl::FuseQkvPassBase<FuseQkvPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Match everything first, then rewrite: rewriting replaces the linears
    // the matcher walks through.
    SmallVector<QkvGroup> groups;
    llvm::DenseSet<Operation *> claimed;
    module.walk([&](KVCacheWriteOp write) {
      std::optional<QkvGroup> group = matchQkv(write);
      if (!group || claimed.contains(group->q) || claimed.contains(group->k) ||
          claimed.contains(group->v))
        return;
      for (LinearOp linear : {group->q, group->k, group->v})
        claimed.insert(linear);
      groups.push_back(*group);
    });

    SymbolTable symbols(module);
    IRRewriter rewriter(&getContext());
    for (const QkvGroup &group : groups)
      // A group whose weights cannot be merged stays as it is.
      (void)mergeLinears(rewriter, symbols, {group.q, group.k, group.v},
                         MergeLayout::Concat, "qkv");
  }
};

} // namespace
