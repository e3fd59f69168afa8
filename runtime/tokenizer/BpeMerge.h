// The byte-pair-encoding merge loop shared by every BPE tokenizer here.
//
// Both SentencePiece-style BPE (llama2.c tokenizer.bin: merge the pair with the
// highest score) and Hugging Face BPE (merge the pair with the lowest merge
// rank) reduce to the same loop once the ordering is expressed as a priority
// where lower merges first: repeatedly merge the best adjacent pair, the
// leftmost one among equals, until no adjacent pair merges. The symbols live in
// a doubly linked list and candidate pairs in a heap, so a word of n symbols
// costs O(n log n) instead of the O(n^2) rescans of the naive loop, which
// matters for long prompts.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace llmc {

/// What merging one adjacent pair of symbols produces.
struct BpeMerge {
  /// The token that replaces the pair.
  int32_t id;
  /// Merge order: lower merges first (a merge rank, or a negated score).
  double priority;
};

/// Returns the merge for the adjacent symbols (left, right), or nullopt when
/// the pair does not merge.
using BpeMergeLookup =
    std::function<std::optional<BpeMerge>(int32_t left, int32_t right)>;

/// Merges `symbols` in place until no adjacent pair merges. Among pairs of
/// equal priority the leftmost merges first, as in SentencePiece and Hugging
/// Face.
void applyBpeMerges(std::vector<int32_t> &symbols,
                    const BpeMergeLookup &lookup);

} // namespace llmc
