// Tests of a step's byte and FLOP floors: the work counted from hand-built
// launch costs (weights, the KV cache read, sampling), the time floors
// against a device's ceilings or none, and the figures the report carries.
#include "tools/llm-bench/StepFloor.h"
#include "test/Unit/Support/TinyModelConfig.h"

#include <gtest/gtest.h>

using namespace llmc;
using namespace llmc::bench;
using llmc::testing::tinyModelConfig;

namespace {

/// Prefill and decode run the same two launches: a projection that reads
/// 1000 bytes of weights once per step and does 500 FLOPs per row, and
/// attention that reads 64 bytes of K and V and does 32 FLOPs per row per
/// attended position. Sampling moves 10 bytes per row.
EngineCosts handCountedCosts() {
  LaunchCost projection;
  projection.bytes.fixed = 1000;
  projection.flops.perRow = 500;
  LaunchCost attention;
  attention.bytes.perRowContext = 64;
  attention.flops.perRowContext = 32;
  LaunchCost sample;
  sample.bytes.perRow = 10;

  EngineCosts costs;
  costs.config = tinyModelConfig(/*numLayers=*/2);
  costs.source = "test costs";
  costs.prefill = {"prefill", 64, 0, {projection, attention}};
  costs.decode = {"decode", 4, 0, {projection, attention}};
  costs.sample = {"sample", 4, 0, {sample}};
  costs.maxSlots = 4;
  costs.maxSeqLen = 256;
  costs.weightBytes = 1000;
  return costs;
}

Workload workload(int64_t batch, int64_t prompt, int64_t output) {
  Workload w;
  w.batch = batch;
  w.prompt = prompt;
  w.output = output;
  return w;
}

/// 1000 bytes/s and 1000 FLOP/s: a floor in seconds is the count / 1000.
DeviceCeilings slowDevice() { return {"slow", 1000, 1000, "test"}; }

// The counts are sums of small integers, exact in doubles; the tolerance
// only guards the divisions by the ceilings.
constexpr double kTolerance = 1e-9;

} // namespace

TEST(StepFloor, DecodeStepCountsWeightsKvAndSampling) {
  // Batch 2, prompt 10, output 4: the mean context is 10 + 4 / 2 = 12.
  // Bytes: 1000 weights + 64 * 2 rows * 12 KV + 10 * 2 sampled = 2556.
  // FLOPs: 500 * 2 rows + 32 * 2 rows * 12 = 1768.
  StatusOr<StepFloor> f = decodeStepFloor(
      handCountedCosts(), workload(2, 10, 4), slowDevice(), 5.112);
  ASSERT_TRUE(f.isOk()) << f.status().message();
  EXPECT_EQ(f->step, FloorStep::Decode);
  EXPECT_NEAR(f->bytes, 2556, kTolerance);
  EXPECT_NEAR(f->flops, 1768, kTolerance);
  ASSERT_TRUE(f->byteSeconds && f->flopSeconds);
  EXPECT_NEAR(*f->byteSeconds, 2.556, kTolerance);
  EXPECT_NEAR(*f->flopSeconds, 1.768, kTolerance);
  // Memory-bound: the byte floor is the floor, and 5.112 s is twice it.
  EXPECT_NEAR(*f->seconds(), 2.556, kTolerance);
  EXPECT_NEAR(*f->measuredOverFloor(), 2.0, kTolerance);
}

TEST(StepFloor, DecodeStepBytesGrowByTheKvCacheRead) {
  // A longer prompt reads more KV per step and the same weights: 90 more
  // positions of context for each of 2 rows at 64 bytes each.
  const EngineCosts costs = handCountedCosts();
  StatusOr<StepFloor> shortContext =
      decodeStepFloor(costs, workload(2, 10, 4), std::nullopt, 0);
  StatusOr<StepFloor> longContext =
      decodeStepFloor(costs, workload(2, 100, 4), std::nullopt, 0);
  ASSERT_TRUE(shortContext.isOk() && longContext.isOk());
  EXPECT_NEAR(longContext->bytes - shortContext->bytes, 64.0 * 2 * 90,
              kTolerance);
  EXPECT_GT(longContext->bytes, double(costs.weightBytes) + 64.0 * 2 * 102);
}

TEST(StepFloor, PrefillCountsEveryPromptPositionAndItsSampling) {
  // Prompt 10 in one step of 10 rows attending to 1 + 2 + ... + 10 = 55
  // positions; the step samples over the engine's 4 slots.
  // Bytes: 1000 + 64 * 55 + 10 * 4 = 4560. FLOPs: 500 * 10 + 32 * 55 = 6760.
  StatusOr<StepFloor> f =
      prefillFloor(handCountedCosts(), workload(1, 10, 1), slowDevice(), 13.52);
  ASSERT_TRUE(f.isOk()) << f.status().message();
  EXPECT_EQ(f->step, FloorStep::Prefill);
  EXPECT_NEAR(f->bytes, 4560, kTolerance);
  EXPECT_NEAR(f->flops, 6760, kTolerance);
  // Compute-bound: the FLOP floor is the floor.
  EXPECT_NEAR(*f->byteSeconds, 4.56, kTolerance);
  EXPECT_NEAR(*f->seconds(), 6.76, kTolerance);
  EXPECT_NEAR(*f->measuredOverFloor(), 2.0, kTolerance);
}

TEST(StepFloor, WithoutCeilingsCountsWorkButNoTimes) {
  StatusOr<StepFloor> f =
      decodeStepFloor(handCountedCosts(), workload(2, 10, 4), std::nullopt, 1);
  ASSERT_TRUE(f.isOk()) << f.status().message();
  EXPECT_NEAR(f->bytes, 2556, kTolerance);
  EXPECT_FALSE(f->byteSeconds || f->flopSeconds || f->seconds() ||
               f->measuredOverFloor());
  EXPECT_EQ(floorFigures(*f),
            (std::map<std::string, double>{{"decode_step_bytes_floor", 2556},
                                           {"decode_step_flops_floor", 1768}}));
}

TEST(StepFloor, FiguresNameTheStepAndTheFloors) {
  StatusOr<StepFloor> f =
      prefillFloor(handCountedCosts(), workload(1, 10, 1), slowDevice(), 13.52);
  ASSERT_TRUE(f.isOk()) << f.status().message();
  const std::map<std::string, double> figures = floorFigures(*f);
  ASSERT_EQ(figures.size(), 6u);
  EXPECT_NEAR(figures.at("prefill_bytes_floor"), 4560, kTolerance);
  EXPECT_NEAR(figures.at("prefill_flops_floor"), 6760, kTolerance);
  EXPECT_NEAR(figures.at("prefill_bytes_time_floor_seconds"), 4.56, kTolerance);
  EXPECT_NEAR(figures.at("prefill_flops_time_floor_seconds"), 6.76, kTolerance);
  EXPECT_NEAR(figures.at("prefill_time_floor_seconds"), 6.76, kTolerance);
  EXPECT_NEAR(figures.at("prefill_time_over_floor"), 2.0, kTolerance);
}

TEST(StepFloor, RefusesWhatTheEstimateRefuses) {
  const EngineCosts costs = handCountedCosts();
  // Output 1 has no decode step; batch 5 exceeds the 4 slots.
  EXPECT_FALSE(
      decodeStepFloor(costs, workload(1, 10, 1), slowDevice(), 0).isOk());
  StatusOr<StepFloor> tooWide =
      prefillFloor(costs, workload(5, 10, 1), slowDevice(), 0);
  ASSERT_FALSE(tooWide.isOk());
  EXPECT_NE(tooWide.status().message().find("exceeds the 4 slots"),
            std::string::npos)
      << tooWide.status().message();
}
