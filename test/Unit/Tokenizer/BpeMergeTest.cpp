// The shared BPE merge loop: priority order, leftmost tie-breaking, chained
// merges, and linear-ish behaviour on long inputs.
#include "runtime/tokenizer/BpeMerge.h"

#include <gtest/gtest.h>

#include <map>
#include <utility>

namespace llmc {
namespace {

/// A merge table written out by hand: (left, right) -> (merged, priority).
BpeMergeLookup table(std::map<std::pair<int32_t, int32_t>, BpeMerge> merges) {
  return [merges = std::move(merges)](int32_t l,
                                      int32_t r) -> std::optional<BpeMerge> {
    auto it = merges.find({l, r});
    if (it == merges.end())
      return std::nullopt;
    return it->second;
  };
}

TEST(BpeMerge, LowerPriorityMergesFirstEvenWhenItIsToTheRight) {
  // 1 2 3: (2,3) has the better priority, so it takes 2 before (1,2) can.
  std::vector<int32_t> symbols = {1, 2, 3};
  applyBpeMerges(symbols, table({{{1, 2}, {12, 5.0}}, {{2, 3}, {23, 1.0}}}));
  EXPECT_EQ(symbols, (std::vector<int32_t>{1, 23}));
}

TEST(BpeMerge, EqualPrioritiesMergeLeftmostFirst) {
  // a a a: both pairs tie; the left one merges and the right 'a' stays.
  std::vector<int32_t> symbols = {7, 7, 7};
  applyBpeMerges(symbols, table({{{7, 7}, {77, 1.0}}}));
  EXPECT_EQ(symbols, (std::vector<int32_t>{77, 7}));
}

TEST(BpeMerge, MergedSymbolsMergeAgain) {
  // h e l l o -> he ll o -> he llo -> hello
  std::vector<int32_t> symbols = {1, 2, 3, 3, 4};
  applyBpeMerges(symbols, table({{{1, 2}, {10, 0}},
                                 {{3, 3}, {11, 1}},
                                 {{11, 4}, {12, 2}},
                                 {{10, 12}, {13, 3}}}));
  EXPECT_EQ(symbols, (std::vector<int32_t>{13}));
}

TEST(BpeMerge, StaleCandidatesAreNotApplied) {
  // (2,3) is queued first but 2 is consumed by the better (1,2); then (12,3)
  // must be looked up afresh rather than reusing the stale (2,3).
  std::vector<int32_t> symbols = {1, 2, 3};
  applyBpeMerges(symbols, table({{{1, 2}, {12, 0}}, {{2, 3}, {23, 1}}}));
  EXPECT_EQ(symbols, (std::vector<int32_t>{12, 3}));
}

TEST(BpeMerge, LeavesShortAndUnmergeableInputsAlone) {
  std::vector<int32_t> empty;
  applyBpeMerges(empty, table({}));
  EXPECT_TRUE(empty.empty());
  std::vector<int32_t> one = {5};
  applyBpeMerges(one, table({}));
  EXPECT_EQ(one, (std::vector<int32_t>{5}));
  std::vector<int32_t> none = {1, 2, 3};
  applyBpeMerges(none, table({}));
  EXPECT_EQ(none, (std::vector<int32_t>{1, 2, 3}));
}

TEST(BpeMerge, CollapsesALongRunPairwise) {
  // 2^16 copies of x with x x -> y, y y -> z, ...: each level halves the run.
  // Done naively this rescans 65k symbols per merge; the heap keeps it fast.
  std::vector<int32_t> symbols(1 << 16, 0);
  std::map<std::pair<int32_t, int32_t>, BpeMerge> merges;
  for (int32_t level = 0; level < 16; ++level)
    merges[{level, level}] = {level + 1, static_cast<double>(level)};
  applyBpeMerges(symbols, table(merges));
  EXPECT_EQ(symbols, (std::vector<int32_t>{16}));
}

} // namespace
} // namespace llmc
