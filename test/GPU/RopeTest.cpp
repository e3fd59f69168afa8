// Standalone RoPE (RopeInPlaceKernel) and RoPE + paged KV-cache write
// (RopeKvWriteKernel) of Rope.cuh against the CPU reference: both pair
// layouts, Llama 3 frequency scaling, positions up to 131071 (where an fp32
// angle would be visibly off), GQA / MQA, decode rows that must not write
// (idle slot, unmapped block) and prefill sequences crossing blocks; and the
// model-family steps before RoPE (Qwen2's q/k/v bias, Qwen3's per-head q/k
// RMSNorm, computed in fp32 from the bf16 projection like the reference).
//
// Tolerance: outputs are rounded to bf16 once, rtol 2^-7 (one bf16 ulp); the
// rotation a*cos - b*sin may cancel, so atol 1e-3 of the data's scale.
#include "test/GPU/PagedKvTestSupport.h"

#include "runtime/reference/ReferenceOps.h"

#include <cmath>

namespace llmc::gputest {
namespace {

constexpr double kRtol = 1.0 / 128, kAtolOfScale = 1e-3;

const char *layoutName(RopeStyle style) {
  return style == RopeStyle::Interleaved ? "RopeLayout::Interleaved"
                                         : "RopeLayout::HalfSplit";
}

struct RopeCase {
  std::string label;
  int heads, headDim, threads;
  RopeStyle style;
  bool llama3;
  std::vector<int32_t> positions;
};

class RopeInPlaceTest : public ::testing::TestWithParam<RopeCase> {};

TEST_P(RopeInPlaceTest, MatchesReference) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  const RopeCase &c = GetParam();
  auto s = [](int v) { return std::to_string(v); };
  std::string source =
      "#include \"Rope.cuh\"\n"
      "using namespace llmc::kernels;\n"
      "using Kernel = RopeInPlaceKernel<" +
      s(c.heads) + ", " + s(c.headDim) + ", " + layoutName(c.style) + ", " +
      s(c.threads) +
      ">;\n"
      "extern \"C\" __global__ void __launch_bounds__(Kernel::kThreads)\n"
      "rope(bf16 *x, const int *positions, const float *invFreq, int T) {\n"
      "  Kernel::run(x, positions, invFreq, T);\n"
      "}\n";
  LLMC_GPU_ASSIGN(KernelModule module, gpu.compile(source, c.label + ".cu"));
  const int T = int(c.positions.size());
  std::vector<float> x = roundedToBf16(
      randomUniform(size_t(T) * c.heads * c.headDim, uint64_t(c.headDim)));
  std::vector<float> frequencies = testInverseFrequencies(c.headDim, c.llama3);
  LLMC_GPU_ASSIGN(auto xDevice, gpu.uploadBf16(x));
  LLMC_GPU_ASSIGN(auto positions, gpu.upload(c.positions));
  LLMC_GPU_ASSIGN(auto frequencyDevice, gpu.upload(frequencies));
  LLMC_GPU_CHECK(module.launch("rope", {unsigned(T)}, {unsigned(c.threads)}, 0,
                               xDevice.pointer(), positions.pointer(),
                               frequencyDevice.pointer(), T));
  LLMC_GPU_ASSIGN(std::vector<float> actual, downloadBf16(xDevice));
  std::vector<float> expected = x;
  ref::rope(expected.data(), c.positions.data(), T, c.heads, c.headDim,
            frequencies, c.style);
  EXPECT_TRUE(matchesReference(actual, expected, kRtol, kAtolOfScale, c.label));
}

INSTANTIATE_TEST_SUITE_P(Shapes, RopeInPlaceTest,
                         ::testing::Values(RopeCase{"stories_interleaved",
                                                    6,
                                                    48,
                                                    64,
                                                    RopeStyle::Interleaved,
                                                    false,
                                                    {0, 1, 2, 17, 100, 255, 256,
                                                     999, 3}},
                                           RopeCase{"stories_halfsplit",
                                                    6,
                                                    48,
                                                    64,
                                                    RopeStyle::HalfSplit,
                                                    false,
                                                    {5, 0, 200}},
                                           RopeCase{"llama3_halfsplit_long",
                                                    32,
                                                    128,
                                                    128,
                                                    RopeStyle::HalfSplit,
                                                    true,
                                                    {0, 8191, 131071}},
                                           RopeCase{"far_positions_interleaved",
                                                    8,
                                                    64,
                                                    128,
                                                    RopeStyle::Interleaved,
                                                    false,
                                                    {100000, 65535, 1, 5}}),
                         [](const ::testing::TestParamInfo<RopeCase> &info) {
                           return info.param.label;
                         });

struct RopeKvCase {
  std::string label;
  int heads, kvHeads, headDim, blockSize, threads;
  RopeStyle style;
  bool llama3;
  /// Prefill (first position, length) sequences; empty = decode of
  /// `decodeTokens` slots with an idle and an unmapped row.
  std::vector<std::pair<int, int>> sequences;
  int decodeTokens = 0;
  /// Qwen2 q/k/v bias; Qwen3 q/k head norm (HeadNorm = true).
  bool bias = false, headNorm = false;
};

class RopeKvWriteTest : public ::testing::TestWithParam<RopeKvCase> {};

TEST_P(RopeKvWriteTest, RotatesQAndWritesPagedCache) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  const RopeKvCase &c = GetParam();
  auto s = [](int v) { return std::to_string(v); };
  std::string source =
      "#include \"Rope.cuh\"\n"
      "using namespace llmc::kernels;\n"
      "using Kernel = RopeKvWriteKernel<" +
      s(c.heads) + ", " + s(c.kvHeads) + ", " + s(c.headDim) + ", " +
      s(c.blockSize) + ", " + layoutName(c.style) + ", " + s(c.threads) +
      (c.headNorm ? ", true" : "") +
      ">;\n"
      "extern \"C\" __global__ void __launch_bounds__(Kernel::kThreads)\n"
      "ropeKv(const bf16 *qkv, RopeKvParams params, int T) {\n"
      "  Kernel::run(qkv, params, T);\n"
      "}\n";
  LLMC_GPU_ASSIGN(KernelModule module, gpu.compile(source, c.label + ".cu"));

  PagedKvScenario scenario =
      c.sequences.empty()
          ? makeDecodeScenario(c.heads, c.kvHeads, c.headDim, c.blockSize,
                               c.decodeTokens, 500, 11, 0, c.decodeTokens - 1)
          : makePrefillScenario(c.heads, c.kvHeads, c.headDim, c.blockSize,
                                c.sequences, 12);
  const int T = scenario.numTokens();
  std::vector<float> qkv = roundedToBf16(
      randomUniform(size_t(T) * scenario.qkvColumns(), 13, -2.0f, 2.0f));
  std::vector<float> frequencies = testInverseFrequencies(c.headDim, c.llama3);
  LLMC_GPU_ASSIGN(auto qkvDevice, gpu.uploadBf16(qkv));
  LLMC_GPU_ASSIGN(RopeKvDeviceState state,
                  uploadRopeKv(gpu, scenario, frequencies));
  QkvFamilyInputs family =
      makeQkvFamilyInputs(scenario, c.bias, c.headNorm, 14);
  LLMC_GPU_ASSIGN(QkvFamilyDevice familyDevice, uploadQkvFamily(gpu, family));
  RopeKvParamsArg params = state.params(scenario);
  familyDevice.fill(params);
  LLMC_GPU_CHECK(module.launch("ropeKv", {unsigned(T)}, {unsigned(c.threads)},
                               0, qkvDevice.pointer(), params, T));
  LLMC_GPU_ASSIGN(std::vector<float> q, downloadBf16(state.q));
  LLMC_GPU_ASSIGN(std::vector<uint16_t> kBits, state.kCache.download());
  LLMC_GPU_ASSIGN(std::vector<uint16_t> vBits, state.vCache.download());
  // Normalized heads are of order 1 (times the scale), biased ones up to 3.
  RopeKvExpected expected = ropeKvReference(
      scenario, applyQkvFamily(scenario, qkv, family), frequencies, c.style);
  EXPECT_TRUE(matchesRopeKv(expected, q, kBits, vBits, kRtol,
                            kAtolOfScale * 3.0, c.label));
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, RopeKvWriteTest,
    ::testing::Values(RopeKvCase{"llama3_gqa_halfsplit_decode",
                                 32,
                                 8,
                                 128,
                                 16,
                                 128,
                                 RopeStyle::HalfSplit,
                                 true,
                                 {},
                                 6},
                      RopeKvCase{"stories_interleaved_prefill",
                                 6,
                                 6,
                                 48,
                                 32,
                                 64,
                                 RopeStyle::Interleaved,
                                 false,
                                 {{0, 40}, {3, 9}}},
                      RopeKvCase{"mqa_halfsplit_prefill_across_blocks",
                                 4,
                                 1,
                                 64,
                                 64,
                                 64,
                                 RopeStyle::HalfSplit,
                                 false,
                                 {{60, 10}}},
                      RopeKvCase{"llama2_interleaved_decode",
                                 32,
                                 32,
                                 128,
                                 16,
                                 256,
                                 RopeStyle::Interleaved,
                                 false,
                                 {},
                                 4},
                      // Qwen2.5-7B: 28/4 x 128 with q/k/v bias.
                      RopeKvCase{"qwen2_bias_gqa_prefill",
                                 28,
                                 4,
                                 128,
                                 16,
                                 128,
                                 RopeStyle::HalfSplit,
                                 false,
                                 {{0, 20}, {17, 5}},
                                 0,
                                 true},
                      // Qwen3-8B: 32/8 x 128 with q/k norm, decode rows.
                      RopeKvCase{"qwen3_headnorm_gqa_decode",
                                 32,
                                 8,
                                 128,
                                 16,
                                 128,
                                 RopeStyle::HalfSplit,
                                 false,
                                 {},
                                 5,
                                 false,
                                 true},
                      // Both, odd shapes: 5/1 x 64, 96 threads (3 warps).
                      RopeKvCase{"bias_headnorm_mqa_odd_prefill",
                                 5,
                                 1,
                                 64,
                                 32,
                                 96,
                                 RopeStyle::HalfSplit,
                                 true,
                                 {{30, 7}},
                                 0,
                                 true,
                                 true}),
    [](const ::testing::TestParamInfo<RopeKvCase> &info) {
      return info.param.label;
    });

} // namespace
} // namespace llmc::gputest
