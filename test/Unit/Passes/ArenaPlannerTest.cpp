// ArenaPlanner: buffers live at the same time never share a byte, dead ones
// are reused, offsets and the arena size are aligned. The property test runs
// on seeded random lifetimes, so a failure reproduces.
#include "passes/ArenaPlanner.h"

#include <gtest/gtest.h>

#include <random>

using namespace llmc;

namespace {

constexpr uint64_t kAlignment = 256;

/// Fails the test for every pair of live-together buffers that overlap, and
/// every offset that is not aligned or runs past the arena.
void expectValidPlan(const std::vector<ArenaBuffer> &buffers,
                     const ArenaPlan &plan) {
  ASSERT_EQ(plan.offsets.size(), buffers.size());
  EXPECT_EQ(plan.arenaBytes % kAlignment, 0u);
  for (size_t i = 0; i < buffers.size(); ++i) {
    EXPECT_EQ(plan.offsets[i] % kAlignment, 0u) << "buffer " << i;
    EXPECT_LE(plan.offsets[i] + buffers[i].bytes, plan.arenaBytes)
        << "buffer " << i;
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      if (!buffers[i].livesWith(buffers[j]))
        continue;
      bool disjoint = plan.offsets[i] + buffers[i].bytes <= plan.offsets[j] ||
                      plan.offsets[j] + buffers[j].bytes <= plan.offsets[i];
      EXPECT_TRUE(disjoint) << "buffers " << i << " and " << j
                            << " are live together and overlap";
    }
  }
}

TEST(ArenaPlanner, ReusesTheSlicesOfDeadBuffers) {
  // A chain a -> b -> c -> d: each buffer lives with its neighbours only.
  std::vector<ArenaBuffer> chain = {
      {1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  ArenaPlan plan = planArena(chain, kAlignment);
  expectValidPlan(chain, plan);
  EXPECT_EQ(plan.arenaBytes, 2 * 1024u);
  EXPECT_EQ(plan.offsets[0], plan.offsets[2]);
  EXPECT_EQ(plan.offsets[1], plan.offsets[3]);
}

TEST(ArenaPlanner, KeepsBuffersLiveTogetherApart) {
  std::vector<ArenaBuffer> together = {{100, 0, 5}, {300, 2, 3}, {50, 3, 9}};
  ArenaPlan plan = planArena(together, kAlignment);
  expectValidPlan(together, plan);
  // 100 and 50 bytes take one 256-byte unit each, 300 bytes two.
  EXPECT_EQ(plan.arenaBytes, 4 * kAlignment);
}

TEST(ArenaPlanner, PlacesTheLargestFirstAndFillsTheTightestGap) {
  std::vector<ArenaBuffer> buffers = {
      {256, 2, 2},  // last: gaps [0, 512) and [768, 1024); takes the tighter
      {1024, 3, 5}, // first: [0, 1024)
      {512, 1, 1},  // dead before the first: [0, 512) as well
      {256, 1, 2},  // between the two 512-byte buffers: [512, 768)
      {512, 1, 3},  // lives with both above: [1024, 1536)
  };
  ArenaPlan plan = planArena(buffers, kAlignment);
  expectValidPlan(buffers, plan);
  EXPECT_EQ(plan.offsets, (std::vector<uint64_t>{768, 0, 0, 512, 1024}));
  EXPECT_EQ(plan.arenaBytes, 1536u);
}

TEST(ArenaPlanner, NeverOverlapsLiveBuffersOnRandomLifetimes) {
  std::mt19937_64 random(20240611);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<ArenaBuffer> buffers(1 + random() % 40);
    uint64_t sum = 0;
    for (ArenaBuffer &buffer : buffers) {
      buffer.bytes = 1 + random() % 100000;
      buffer.firstStep = random() % 50;
      buffer.lastStep = buffer.firstStep + random() % 10;
      sum += (buffer.bytes + kAlignment - 1) / kAlignment * kAlignment;
    }
    ArenaPlan plan = planArena(buffers, kAlignment);
    expectValidPlan(buffers, plan);
    EXPECT_LE(plan.arenaBytes, sum);
    if (::testing::Test::HasFailure())
      FAIL() << "trial " << trial;
  }
}

TEST(ArenaPlanner, AnEmptyPhaseNeedsNoArena) {
  ArenaPlan plan = planArena({}, kAlignment);
  EXPECT_TRUE(plan.offsets.empty());
  EXPECT_EQ(plan.arenaBytes, 0u);
}

} // namespace
