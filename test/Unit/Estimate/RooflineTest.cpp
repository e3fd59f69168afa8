// Tests of the per-launch roofline and of the prefill step packing, on
// hand-computed cases.
#include "runtime/estimate/Roofline.h"
#include "runtime/estimate/Estimate.h"

#include <gtest/gtest.h>

using namespace llmc;

namespace {

/// Round rates so every expected time is a short decimal.
RooflineParams params(double bandwidth, double matrixRate, double overhead) {
  RooflineParams p;
  p.device = {"test", bandwidth, matrixRate, "test"};
  p.launchOverheadSeconds = overhead;
  return p;
}

// Quotients of round numbers: 1e-15 s absorbs their rounding.
constexpr double kTolerance = 1e-15;

} // namespace

TEST(Roofline, ComputeBoundLaunchTakesItsFlopTime) {
  LaunchCost cost;
  cost.flops.perRow = 1e9; // 2e9 FLOP at 2 rows: 2 ms at 1 TFLOP/s
  cost.bytes.fixed = 1e6;  // 1 us at 1 TB/s
  RooflineTime t = launchTime(cost, 2, 0, params(1e12, 1e12, 1e-6));
  EXPECT_DOUBLE_EQ(t.flops, 2e9);
  EXPECT_DOUBLE_EQ(t.bytes, 1e6);
  EXPECT_NEAR(t.seconds, 2e-3 + 1e-6, kTolerance);
  EXPECT_EQ(t.computeBoundLaunches, 1);
  EXPECT_EQ(t.launches, 1);
  EXPECT_DOUBLE_EQ(t.overheadSeconds, 1e-6);
}

TEST(Roofline, MemoryBoundLaunchTakesItsByteTime) {
  LaunchCost cost;
  cost.flops.perRow = 2e6;      // 2e6 FLOP: 2 us at 1 TFLOP/s
  cost.bytes.fixed = 4e6;       // weights
  cost.bytes.perRowContext = 8; // 8 B * 1 row * 1000 positions
  RooflineTime t = launchTime(cost, 1, 1000, params(1e12, 1e12, 0));
  EXPECT_DOUBLE_EQ(t.bytes, 4e6 + 8e3);
  EXPECT_NEAR(t.seconds, 4.008e-6, kTolerance);
  EXPECT_EQ(t.computeBoundLaunches, 0);
}

TEST(Roofline, PhaseAddsEveryLaunchAndItsOverhead) {
  PhaseCosts phase;
  phase.launches.resize(3); // three launches with no work at all
  phase.launches[0].bytes.perRow = 1e6;
  RooflineTime t = phaseTime(phase, 2, 0, params(1e12, 1e12, 5e-6));
  EXPECT_EQ(t.launches, 3);
  EXPECT_NEAR(t.overheadSeconds, 15e-6, kTolerance);
  EXPECT_NEAR(t.seconds, 2e-6 + 15e-6, kTolerance);
}

TEST(PrefillSteps, OnePromptSplitsIntoBudgetSizedSteps) {
  // Positions 0..9 in steps of 4: contexts 1..4, 5..8, 9..10.
  std::vector<PrefillStep> steps = planPrefillSteps(1, 10, 4);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].rows, 4);
  EXPECT_DOUBLE_EQ(steps[0].contextSum, 1 + 2 + 3 + 4);
  EXPECT_EQ(steps[0].promptsEnding, 0);
  EXPECT_EQ(steps[1].rows, 4);
  EXPECT_DOUBLE_EQ(steps[1].contextSum, 5 + 6 + 7 + 8);
  EXPECT_EQ(steps[2].rows, 2);
  EXPECT_DOUBLE_EQ(steps[2].contextSum, 9 + 10);
  EXPECT_EQ(steps[2].promptsEnding, 1);
}

TEST(PrefillSteps, PromptsArePackedOneAfterAnother) {
  // Two prompts of 3 in steps of 4: [a0 a1 a2 b0] [b1 b2].
  std::vector<PrefillStep> steps = planPrefillSteps(2, 3, 4);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].rows, 4);
  EXPECT_DOUBLE_EQ(steps[0].contextSum, (1 + 2 + 3) + 1);
  EXPECT_EQ(steps[0].promptsEnding, 1);
  EXPECT_EQ(steps[1].rows, 2);
  EXPECT_DOUBLE_EQ(steps[1].contextSum, 2 + 3);
  EXPECT_EQ(steps[1].promptsEnding, 1);
}

TEST(PrefillSteps, ExactFitLeavesNoEmptyStep) {
  std::vector<PrefillStep> steps = planPrefillSteps(2, 4, 4);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].promptsEnding, 1);
  EXPECT_EQ(steps[1].promptsEnding, 1);
  EXPECT_DOUBLE_EQ(steps[1].contextSum, 1 + 2 + 3 + 4);
}
