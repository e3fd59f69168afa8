// Tests of the launch costs counted from a config: hand-computed values on a
// tiny config, and the whole-model identities they must satisfy (every
// weight read once per decode step, 2 FLOP per weight per row).
#include "runtime/estimate/ShapeCosts.h"
#include "runtime/estimate/Estimate.h"
#include "test/Unit/Support/TinyModelConfig.h"

#include <gtest/gtest.h>

using namespace llmc;
using llmc::testing::tinyModelConfig;

namespace {

/// The hand-computed values below are for one layer of the tiny shape.
ModelConfig tinyConfig() { return tinyModelConfig(/*numLayers=*/1); }

/// Llama-2-7B's shapes (examples/configs/llama-2-7b).
ModelConfig llama2_7b() {
  ModelConfig c;
  c.name = "llama-2-7b";
  c.architecture = "LlamaForCausalLM";
  c.dim = 4096;
  c.numLayers = 32;
  c.numHeads = 32;
  c.numKvHeads = 32;
  c.headDim = 128;
  c.ffnDim = 11008;
  c.vocabSize = 32000;
  c.maxSeqLen = 4096;
  return c;
}

EngineCosts costsOf(const ModelConfig &config, int64_t maxSlots = 2,
                    int64_t maxPrefillTokens = 8) {
  ShapeOptions options;
  options.maxSlots = maxSlots;
  options.maxPrefillTokens = maxPrefillTokens;
  StatusOr<EngineCosts> costs = engineCostsFromConfig(config, options, "test");
  EXPECT_TRUE(costs.isOk()) << costs.status().message();
  return *costs;
}

double sum(const std::vector<LaunchCost> &launches, double CostTerms::*term,
           CostTerms LaunchCost::*quantity) {
  double total = 0;
  for (const LaunchCost &launch : launches)
    total += (launch.*quantity).*term;
  return total;
}

} // namespace

TEST(ShapeCosts, ProjectionCountsTwoFlopsPerWeightAndReadsItOnce) {
  // The tiny QKV projection: N = 16 + 2 * 8 = 32, K = 16.
  LaunchCost qkv = projectionCost(32, 16, 36, 64);
  EXPECT_EQ(qkv.flops.perRow, 2 * 32 * 16);
  EXPECT_EQ(qkv.bytes.fixed, 2 * 32 * 16);
  EXPECT_EQ(qkv.bytes.perRow, 100);
  EXPECT_EQ(qkv.flops.fixed, 0);
  EXPECT_EQ(qkv.bytes.perRowContext, 0);
}

TEST(ShapeCosts, TinyModelHasTheFusedLaunchSequence) {
  EngineCosts costs = costsOf(tinyConfig());
  // embed; norm, qkv, attention, o, norm, gate/up, down; norm, logits.
  EXPECT_EQ(costs.prefill.launches.size(), 10u);
  // Decode attention is a partition and a reduce launch.
  EXPECT_EQ(costs.decode.launches.size(), 11u);
  EXPECT_EQ(costs.sample.launches.size(), 2u);
  EXPECT_EQ(costs.prefill.maxRows, 8);
  EXPECT_EQ(costs.decode.maxRows, 2);
  EXPECT_TRUE(costs.approximate);
}

TEST(ShapeCosts, AttentionCostsPerAttendedPosition) {
  EngineCosts costs = costsOf(tinyConfig());
  const LaunchCost &decode = costs.decode.launches[3];
  // 4 * heads * head_dim = 64 FLOP; K and V of one KV head: 2 * 8 * 2 = 32 B.
  EXPECT_EQ(decode.flops.perRowContext, 64);
  EXPECT_EQ(decode.bytes.perRowContext, 32);
  const LaunchCost &prefill = costs.prefill.launches[3];
  EXPECT_EQ(prefill.flops.perRowContext, 64);
  // Read once per 64-row query tile of 2 heads sharing the KV head:
  // 32 * 2 / 64.
  EXPECT_EQ(prefill.bytes.perRowContext, 1);
}

TEST(ShapeCosts, WeightBytesAreTwoPerParameter) {
  // Per layer: q 256 + k, v 256 + o 256 + gate, up, down 1536 + norms 32 =
  // 2336; untied embeddings and lm_head 2 * 512; final norm 16.
  EXPECT_EQ(costsOf(tinyConfig()).weightBytes, 2u * (2336 + 1024 + 16));
  EXPECT_EQ(costsOf(llama2_7b()).weightBytes, 2u * 6738415616u);
}

TEST(ShapeCosts, DecodeReadsEveryWeightOnceExceptTheEmbeddingTable) {
  // Embedding rows are read per token; every other weight once per step.
  for (const ModelConfig &config : {tinyConfig(), llama2_7b()}) {
    EngineCosts costs = costsOf(config);
    const double embedding = 2.0 * double(config.vocabSize * config.dim);
    EXPECT_DOUBLE_EQ(
        sum(costs.decode.launches, &CostTerms::fixed, &LaunchCost::bytes),
        double(costs.weightBytes) - embedding)
        << config.name;
  }
}

TEST(ShapeCosts, DecodeFlopsAreTwoPerMatrixWeightPerRow) {
  // Matrix weights of the tiny model: 2304 per layer + lm_head 512; the
  // three norms add 4 * 16 FLOP each.
  EngineCosts costs = costsOf(tinyConfig());
  EXPECT_DOUBLE_EQ(
      sum(costs.decode.launches, &CostTerms::perRow, &LaunchCost::flops),
      2.0 * (2304 + 512) + 3 * 4 * 16);
}

TEST(ShapeCosts, PrefillLogitsRunOverTheSlotsNotThePromptRows) {
  EngineCosts costs = costsOf(tinyConfig(), /*maxSlots=*/2);
  const LaunchCost &logits = costs.prefill.launches.back();
  EXPECT_EQ(logits.flops.perRow, 0);
  EXPECT_EQ(logits.flops.fixed, 2.0 * 2 * 32 * 16); // 2 rows
  EXPECT_EQ(logits.bytes.fixed, 2 * 32 * 16 + 2 * (2 * 16 + 4 * 32));
}

TEST(ShapeCosts, BatchOneDecodeOfA7bModelIsBoundByItsBytes) {
  // At batch 1 every launch does about 1 FLOP per byte, far under the
  // device's ridge point: the step time is its bytes over the bandwidth
  // (here with no launch overhead), about weights / bandwidth.
  EngineCosts costs = costsOf(llama2_7b(), 1, 2048);
  RooflineParams params;
  params.device = *knownGpu("h200");
  params.launchOverheadSeconds = 0;
  Workload w;
  w.prompt = 128;
  w.output = 128;
  StatusOr<Estimate> e = estimate(costs, w, params);
  ASSERT_TRUE(e.isOk()) << e.status().message();
  EXPECT_EQ(e->decodeStep.computeBoundLaunches, 0);
  EXPECT_NEAR(e->tpotSeconds, e->decodeStep.bytes / 4.8e12, 1e-12);
  // Weights 13,476,831,232 B less the embedding table (262,144,000 B, read a
  // row per token) plus K and V of 192 positions (192 * 524,288 B) is
  // 13,315,350,528 B: 2.774 ms at 4.8 TB/s. Activations add under 0.1%.
  EXPECT_NEAR(e->tpotSeconds, 2.77403e-3, 0.001 * 2.77403e-3);
}

TEST(ShapeCosts, RefusesInvalidOptions) {
  ShapeOptions options;
  options.maxPrefillTokens = 0;
  StatusOr<EngineCosts> costs =
      engineCostsFromConfig(tinyConfig(), options, "test");
  ASSERT_FALSE(costs.isOk());
  EXPECT_EQ(costs.status().message(),
            "max prefill tokens must be at least 1, got 0");
  ModelConfig broken = tinyConfig();
  broken.numKvHeads = 3; // does not divide 2 query heads
  options.maxPrefillTokens = 8;
  EXPECT_FALSE(engineCostsFromConfig(broken, options, "test").isOk());
}
