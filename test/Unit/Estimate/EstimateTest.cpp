// Tests of the workload estimate: the exact causal sum in prefill, the decode
// steps over their contexts, TTFT over a batch, memory, and the refusals.
// Costs are built by hand (one unit of work per attended position) and the
// device runs 1 FLOP/s, so every expected time is a count of positions.
#include "runtime/estimate/Estimate.h"
#include "test/Unit/Support/TinyModelConfig.h"

#include <gtest/gtest.h>

using namespace llmc;
using llmc::testing::tinyModelConfig;

namespace {

/// Prefill and decode each one launch of 1 FLOP per row per attended
/// position; sampling is free.
EngineCosts attentionOnlyCosts(int64_t prefillRows) {
  EngineCosts costs;
  // 2 layers, 1 KV head of 8 dims: 2 * 2 * 1 * 8 * 2 = 64 bytes of KV per
  // position.
  costs.config = tinyModelConfig(/*numLayers=*/2);
  costs.source = "test costs";
  LaunchCost attention;
  attention.flops.perRowContext = 1;
  costs.prefill = {"prefill", prefillRows, 100, {attention}};
  costs.decode = {"decode", 4, 20, {attention}};
  costs.sample = {"sample", 4, 3, {}};
  costs.maxSlots = 4;
  costs.maxSeqLen = 64;
  costs.kvBlockSize = 16;
  costs.weightBytes = 1000;
  return costs;
}

/// 1 FLOP/s, so a time in seconds is a count of FLOPs; memory never binds.
RooflineParams countingDevice(double overhead = 0) {
  RooflineParams p;
  p.device = {"counter", 1e30, 1, "test"};
  p.launchOverheadSeconds = overhead;
  return p;
}

Workload workload(int64_t batch, int64_t prompt, int64_t output) {
  Workload w;
  w.batch = batch;
  w.prompt = prompt;
  w.output = output;
  return w;
}

// Sums of small integers in doubles are exact; 1e-9 only guards the
// divisions (tokens/s).
constexpr double kTolerance = 1e-9;

} // namespace

TEST(Estimate, PrefillAttentionCountsEveryRowsOwnContext) {
  // Prompt 4 in one step: rows attend to 1, 2, 3, 4 positions = 10, not
  // 4 rows * 4 / 2 = 8.
  StatusOr<Estimate> e =
      estimate(attentionOnlyCosts(8), workload(1, 4, 1), countingDevice());
  ASSERT_TRUE(e.isOk()) << e.status().message();
  EXPECT_EQ(e->prefillSteps, 1);
  EXPECT_NEAR(e->ttftSeconds, 10, kTolerance);
  EXPECT_NEAR(e->prefill.flops, 10, kTolerance);
}

TEST(Estimate, ChunkedPrefillSumsTheSameContexts) {
  // Steps of 3 rows: positions 0..2 (1+2+3) and 3..5 (4+5+6) = 21 = 6*7/2.
  StatusOr<Estimate> e =
      estimate(attentionOnlyCosts(3), workload(1, 6, 1), countingDevice());
  ASSERT_TRUE(e.isOk()) << e.status().message();
  EXPECT_EQ(e->prefillSteps, 2);
  EXPECT_NEAR(e->ttftSeconds, 21, kTolerance);
}

TEST(Estimate, DecodeStepsAttendToTheGrowingContext) {
  // Batch 2, prompt 4, output 5: both prompts in one step (2 * 10 = 20);
  // decode steps j = 1..4 attend to 4 + j positions per row: 2 * (5 + 6 + 7
  // + 8) = 52; TPOT at the mean context 4 + 5 / 2 = 6.5: 2 * 6.5 = 13.
  StatusOr<Estimate> e =
      estimate(attentionOnlyCosts(8), workload(2, 4, 5), countingDevice());
  ASSERT_TRUE(e.isOk()) << e.status().message();
  EXPECT_NEAR(e->ttftSeconds, 20, kTolerance);
  EXPECT_NEAR(e->ttftLastSeconds, 20, kTolerance);
  EXPECT_DOUBLE_EQ(e->decodeContext, 6.5);
  EXPECT_NEAR(e->tpotSeconds, 13, kTolerance);
  EXPECT_NEAR(e->decodeSeconds, 52, kTolerance);
  EXPECT_NEAR(e->e2eSeconds, 72, kTolerance);
  EXPECT_NEAR(e->decodeTokensPerSecond, 2.0 / 13.0, kTolerance);
}

TEST(Estimate, TtftIsTheMeanOverTheBatch) {
  // One prompt per step: the first request's token after 10, the second's
  // after 20.
  StatusOr<Estimate> e =
      estimate(attentionOnlyCosts(4), workload(2, 4, 1), countingDevice());
  ASSERT_TRUE(e.isOk()) << e.status().message();
  EXPECT_EQ(e->prefillSteps, 2);
  EXPECT_NEAR(e->ttftSeconds, 15, kTolerance);
  EXPECT_NEAR(e->ttftLastSeconds, 20, kTolerance);
}

TEST(Estimate, SingleOutputTokenHasNoTpot) {
  StatusOr<Estimate> e =
      estimate(attentionOnlyCosts(8), workload(1, 4, 1), countingDevice());
  ASSERT_TRUE(e.isOk()) << e.status().message();
  EXPECT_EQ(e->tpotSeconds, 0);
  EXPECT_EQ(e->decodeSeconds, 0);
  EXPECT_EQ(e->decodeTokensPerSecond, 0);
  EXPECT_NEAR(e->e2eSeconds, e->ttftSeconds, kTolerance);
}

TEST(Estimate, EveryLaunchPaysTheOverhead) {
  // Prefill: one launch of 10 FLOP + 1 s overhead; sampling in the step that
  // ends the prompt adds two empty launches (2 s).
  EngineCosts costs = attentionOnlyCosts(8);
  costs.sample.launches.resize(2);
  StatusOr<Estimate> e =
      estimate(costs, workload(1, 4, 2), countingDevice(/*overhead=*/1));
  ASSERT_TRUE(e.isOk()) << e.status().message();
  EXPECT_EQ(e->prefill.launches, 3);
  EXPECT_NEAR(e->ttftSeconds, 10 + 3, kTolerance);
  // Decode step at context 5: 5 FLOP + 3 launches.
  EXPECT_NEAR(e->tpotSeconds, 5 + 3, kTolerance);
}

TEST(Estimate, MemoryHoldsWrittenPositionsInWholeBlocks) {
  // Prompt 10 + output 7 writes 16 positions: one 16-position block each.
  StatusOr<Estimate> e =
      estimate(attentionOnlyCosts(8), workload(2, 10, 7), countingDevice());
  ASSERT_TRUE(e.isOk()) << e.status().message();
  EXPECT_EQ(e->memory.kvTokens, 32);
  EXPECT_EQ(e->memory.kvBytes, 32u * 64u);
  EXPECT_EQ(e->memory.weightBytes, 1000u);
  EXPECT_EQ(e->memory.arenaBytes, 123u);
  EXPECT_EQ(e->memory.totalBytes(), 1000u + 2048u + 123u);
  // One more output token needs a second block.
  e = estimate(attentionOnlyCosts(8), workload(2, 10, 8), countingDevice());
  ASSERT_TRUE(e.isOk()) << e.status().message();
  EXPECT_EQ(e->memory.kvTokens, 64);
}

TEST(Estimate, RefusesWorkloadsTheEngineCannotRun) {
  const EngineCosts costs = attentionOnlyCosts(8);
  StatusOr<Estimate> e = estimate(costs, workload(5, 4, 4), countingDevice());
  ASSERT_FALSE(e.isOk());
  EXPECT_EQ(e.status().message(), "batch 5 exceeds the 4 slots of test costs");
  e = estimate(costs, workload(1, 60, 5), countingDevice());
  ASSERT_FALSE(e.isOk());
  EXPECT_EQ(e.status().message(), "prompt 60 + output 5 exceeds the context "
                                  "of 64 positions of test costs");
  e = estimate(costs, workload(1, 0, 5), countingDevice());
  ASSERT_FALSE(e.isOk());
  EXPECT_NE(e.status().message().find("prompt 0"), std::string::npos);
  RooflineParams noBandwidth = countingDevice();
  noBandwidth.device.bandwidthBytesPerSecond = 0;
  e = estimate(costs, workload(1, 4, 4), noBandwidth);
  ASSERT_FALSE(e.isOk());
  EXPECT_NE(e.status().message().find("memory bandwidth must be positive"),
            std::string::npos);
}
