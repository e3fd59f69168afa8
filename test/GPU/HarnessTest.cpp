// Tests of the GPU test harness itself: the reference comparison (no GPU
// needed) and one round trip through NVRTC, the driver and back.
#include "test/GPU/KernelHarness.h"
#include "test/GPU/PagedKvTestSupport.h"

#include <cmath>
#include <set>

namespace llmc::gputest {
namespace {

TEST(KernelHarness, ComparisonPassesWithinToleranceAndNamesTheWorstElement) {
  std::vector<float> expected = {1.0f, -2.0f, 100.0f, 0.0f};
  std::vector<float> actual = {1.001f, -2.0f, 100.5f, 0.0005f};
  Comparison c = compareToReference(actual, expected, 1e-2, 1e-3);
  EXPECT_TRUE(c.passed) << c.describe();
  EXPECT_EQ(c.failures, 0u);
  EXPECT_NEAR(c.maxAbsError, 0.5, 1e-6);
  EXPECT_NEAR(c.maxAbsExpected, 100.0, 0.0);
}

TEST(KernelHarness, ComparisonFailsOnOutOfToleranceAndNaN) {
  std::vector<float> expected = {1.0f, 2.0f, 3.0f};
  Comparison off = compareToReference({1.0f, 2.2f, 3.0f}, expected, 1e-2, 0);
  EXPECT_FALSE(off.passed);
  EXPECT_EQ(off.failures, 1u);
  EXPECT_EQ(off.worstIndex, 1u);
  Comparison nan = compareToReference({1.0f, 2.0f, NAN}, expected, 1e-2, 0);
  EXPECT_FALSE(nan.passed);
  EXPECT_EQ(nan.worstIndex, 2u);
  EXPECT_FALSE(compareToReference({1.0f}, expected, 1, 1).passed);
}

TEST(KernelHarness, Bf16RoundTripKeepsRepresentableValues) {
  std::vector<float> values = {1.0f, -0.5f, 3.140625f, 0.0f};
  EXPECT_EQ(fromBf16(toBf16(values)), values);
  EXPECT_EQ(roundedToBf16({1.0f + 1.0f / 512})[0], 1.0f); // ties to even
}

TEST(KernelHarness, RandomValuesAreDeterministicAndInRange) {
  std::vector<float> a = randomUniform(1000, 7, -2.0f, 3.0f);
  EXPECT_EQ(a, randomUniform(1000, 7, -2.0f, 3.0f));
  EXPECT_NE(a, randomUniform(1000, 8, -2.0f, 3.0f));
  for (float v : a) {
    EXPECT_GE(v, -2.0f);
    EXPECT_LT(v, 3.0f);
  }
}

TEST(PagedKvScenario, DecodeGivesEachActiveTokenItsOwnCacheRows) {
  PagedKvScenario s = makeDecodeScenario(4, 2, 8, 16, 6, 100, 1, 1, 5);
  EXPECT_EQ(s.cacheOffset(1, 0), -1); // idle slot
  EXPECT_EQ(s.cacheOffset(5, 1), -1); // unmapped block
  std::set<int64_t> rows;
  for (int t : {0, 2, 3, 4})
    for (int h = 0; h < 2; ++h) {
      int64_t offset = s.cacheOffset(t, h);
      ASSERT_GE(offset, 0);
      ASSERT_LT(offset + s.headDim, int64_t(s.poolElements()) + 1);
      EXPECT_EQ(offset % s.headDim, 0);
      rows.insert(offset);
    }
  EXPECT_EQ(rows.size(), 8u);
}

TEST(PagedKvScenario, ReferenceWritesOnlyMappedRowsAndRotatesQ) {
  // Prefill of two sequences; half-split RoPE at position 0 is the identity.
  PagedKvScenario s = makePrefillScenario(2, 1, 4, 4, {{0, 3}, {6, 2}}, 2);
  ASSERT_EQ(s.numTokens(), 5);
  std::vector<float> qkv = randomUniform(size_t(5) * s.qkvColumns(), 3);
  std::vector<float> frequencies = testInverseFrequencies(4, false);
  RopeKvExpected e = ropeKvReference(s, qkv, frequencies, RopeStyle::HalfSplit);
  for (int i = 0; i < 8; ++i) // token 0, both q heads, position 0
    EXPECT_FLOAT_EQ(e.q[i], qkv[i]);
  size_t written = 0;
  for (float v : e.vCache)
    written += !std::isnan(v);
  EXPECT_EQ(written, size_t(5) * 1 * 4); // 5 tokens x 1 kv head x head_dim
  // v is copied unrotated: token 3 (sequence 1, position 6).
  int64_t offset = s.cacheOffset(3, 0);
  for (int d = 0; d < 4; ++d)
    EXPECT_EQ(e.vCache[offset + d], qkv[3 * s.qkvColumns() + 12 + d]);
}

const char *kScaleSource = R"(
#include "Common.cuh"
using namespace llmc::kernels;
extern "C" __global__ void scaleBf16(const bf16 *in, bf16 *out, float s,
                                     int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    out[i] = floatToBf16(bf16ToFloat(in[i]) * s);
}
)";

TEST(KernelHarness, CompilesLaunchesAndReadsBack) {
  LLMC_REQUIRE_GPU();
  GpuContext &gpu = *GpuContext::get();
  LLMC_GPU_ASSIGN(KernelModule module, gpu.compile(kScaleSource, "scale.cu"));
  const int n = 1000;
  std::vector<float> x = roundedToBf16(randomUniform(n, 1));
  LLMC_GPU_ASSIGN(auto in, gpu.uploadBf16(x));
  LLMC_GPU_ASSIGN(auto out, gpu.allocate<uint16_t>(n));
  LLMC_GPU_CHECK(out.fill(0xFF));
  LLMC_GPU_CHECK(module.launch("scaleBf16", {(n + 255) / 256}, {256}, 0,
                               in.pointer(), out.pointer(), 2.0f, n));
  LLMC_GPU_ASSIGN(std::vector<float> y, downloadBf16(out));
  std::vector<float> expected(n);
  for (int i = 0; i < n; ++i)
    expected[i] = 2.0f * x[i]; // exact in bf16
  EXPECT_TRUE(matchesReference(y, expected, 0, 0, "scaleBf16"));
}

} // namespace
} // namespace llmc::gputest
