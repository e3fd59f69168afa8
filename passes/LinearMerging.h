// Merging several projections of one input into one: the rewrite shared by
// llm-fuse-qkv and llm-fuse-gate-up. The passes decide which linears belong
// together; this file builds the derived weight and the merged linear + split.
#pragma once

#include "dialects/LLM/IR/LLMOps.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::llm {

/// How the merged weight's rows (and so the merged output's columns) are
/// ordered; the llm.split that recovers the original outputs uses the
/// matching column order.
enum class MergeLayout {
  /// `#llm.concat` and a contiguous split (q, k, v).
  Concat,
  /// `#llm.interleave_rows` and `llm.split ... interleaved` (gate, up).
  InterleaveRows,
};

/// Replaces `linears` (at least two distinct llm.linear ops of one block, all
/// reading the same value) by one llm.linear over a derived weight, placed
/// where the first of them is, followed by an llm.split whose results take
/// over their uses, in order. The derived weight reuses an identical existing
/// one or is declared after its last source in `symbols` (the module's table),
/// named from the sources' common prefix and `mergedRole` ("qkv" turns
/// "...self_attn.q_proj.weight" into "...self_attn.qkv_proj.weight").
///
/// Biases merge too: when every linear has one, the merged linear reads their
/// `#llm.concat` (named like the weight, "...qkv_proj.bias").
///
/// Returns the split, or failure with nothing changed when the linears do not
/// qualify: another input or block, weights that are derived themselves or of
/// different element types, (interleaved) outputs of different widths, or
/// biases on some linears only (or on interleaved ones).
FailureOr<SplitOp> mergeLinears(RewriterBase &rewriter, SymbolTable &symbols,
                                ArrayRef<LinearOp> linears, MergeLayout layout,
                                StringRef mergedRole);

} // namespace mlir::llm
