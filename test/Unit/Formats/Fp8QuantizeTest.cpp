// Tests of per-channel FP8 quantization: the error bound on random rows, exact
// round trips, the scale shapes dequantization accepts, and outliers.
#include "runtime/model/Fp8Quantize.h"
#include "runtime/model/Float8.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace llmc {
namespace {

/// Half the E4M3 spacing at magnitude `x` (|x| <= 448): 2^(e-4) for x in the
/// normal binade [2^e, 2^(e+1)), 2^-10 among the subnormals (below 2^-6).
float halfUlp(float x) {
  x = std::fabs(x);
  if (x < std::ldexp(1.0f, -6))
    return std::ldexp(1.0f, -10);
  return std::ldexp(1.0f, std::ilogb(x) - 4);
}

TEST(Fp8Quantize, RandomRowsStayWithinHalfAnUlpOfTheirScale) {
  const int64_t rows = 33, cols = 257;
  std::mt19937 rng(1234);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> weight(size_t(rows * cols));
  for (int64_t n = 0; n < rows; ++n) {
    // Rows of very different ranges, as real output channels have.
    const float rowScale = std::ldexp(1.0f, int(n % 11) - 8);
    for (int64_t k = 0; k < cols; ++k)
      weight[size_t(n * cols + k)] = rowScale * normal(rng);
  }
  auto q = quantizeFp8PerChannel(weight.data(), rows, cols);
  ASSERT_TRUE(q) << q.status().message();
  ASSERT_EQ(q->scales.size(), size_t(rows));
  ASSERT_EQ(q->codes.size(), weight.size());
  auto back = dequantizeFp8(q->codes.data(), rows, cols, q->scales);
  ASSERT_TRUE(back) << back.status().message();
  for (int64_t n = 0; n < rows; ++n) {
    const float scale = q->scales[size_t(n)];
    float amax = 0.0f;
    for (int64_t k = 0; k < cols; ++k)
      amax = std::fmax(amax, std::fabs(weight[size_t(n * cols + k)]));
    EXPECT_FLOAT_EQ(scale, amax / kE4m3Max) << "row " << n;
    for (int64_t k = 0; k < cols; ++k) {
      const size_t i = size_t(n * cols + k);
      // Rounding to E4M3 is off by at most half an E4M3 ulp of w / scale, in
      // units of the scale. The float division and the product add a few
      // float ulps of w, hence the 1e-6 relative slack.
      const float bound =
          halfUlp(weight[i] / scale) * scale + 1e-6f * std::fabs(weight[i]);
      EXPECT_LE(std::fabs((*back)[i] - weight[i]), bound)
          << "row " << n << " col " << k << " w " << weight[i];
      EXPECT_FALSE(std::isnan(e4m3ToFloat(q->codes[i])));
    }
  }
}

TEST(Fp8Quantize, RepresentableRowsRoundTripExactly) {
  // scale 1.25 * 2^-7 times E4M3 values is exact in float, and the row's
  // largest magnitude 448 * scale gives that scale back exactly.
  const float scale = 1.25f * std::ldexp(1.0f, -7);
  const std::vector<uint8_t> codes = {0x7E, 0x01, 0x80, 0xB9, 0x38,
                                      0x08, 0x00, 0x55, 0xFD};
  std::vector<float> weight;
  for (uint8_t c : codes)
    weight.push_back(e4m3ToFloat(c) * scale);
  auto q = quantizeFp8PerChannel(weight.data(), 1, int64_t(codes.size()));
  ASSERT_TRUE(q) << q.status().message();
  EXPECT_EQ(q->scales, std::vector<float>{scale});
  EXPECT_EQ(q->codes, codes);
  auto back =
      dequantizeFp8(q->codes.data(), 1, int64_t(codes.size()), q->scales);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, weight);
}

TEST(Fp8Quantize, ZeroRowsGetScaleOne) {
  const std::vector<float> weight = {0, 0, -0.0f, 0, 2, -1};
  auto q = quantizeFp8PerChannel(weight.data(), 2, 3);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->scales, (std::vector<float>{1.0f, 2.0f / kE4m3Max}));
  EXPECT_EQ(q->codes[0], 0x00);
  EXPECT_EQ(q->codes[2], 0x80);
  EXPECT_EQ(q->codes[4], 0x7E); // 2 is the row's maximum: 448
}

TEST(Fp8Quantize, AnOutlierCostsOnlyItsOwnRowPrecision) {
  // Row 0 holds 1000 among values near 0.01: its scale (1000/448) flushes
  // them to zero or a subnormal step, the price of one scale per row. Row 1,
  // with the same small values, keeps them to E4M3's 3 mantissa bits.
  std::vector<float> weight = {1000.0f, 0.01f, -0.013f, 0.011f,
                               0.02f,   0.01f, -0.013f, 0.011f};
  auto q = quantizeFp8PerChannel(weight.data(), 2, 4);
  ASSERT_TRUE(q);
  auto back = dequantizeFp8(q->codes.data(), 2, 4, q->scales);
  ASSERT_TRUE(back);
  EXPECT_FLOAT_EQ((*back)[0], 1000.0f);
  for (int k = 1; k < 4; ++k) {
    EXPECT_LE(std::fabs((*back)[size_t(k)] - weight[size_t(k)]),
              q->scales[0] * std::ldexp(1.0f, -10) * 1.0001f);
    EXPECT_LE(std::fabs((*back)[size_t(4 + k)] - weight[size_t(4 + k)]),
              std::fabs(weight[size_t(4 + k)]) / 16);
  }
}

TEST(Fp8Quantize, DequantizesPerTensorAndPerChannelScales) {
  const std::vector<uint8_t> codes = {0x38, 0xC0, 0x40, 0x30}; // 1 -2 2 .5
  auto perTensor = dequantizeFp8(codes.data(), 2, 2, {0.5f});
  ASSERT_TRUE(perTensor);
  EXPECT_EQ(*perTensor, (std::vector<float>{0.5f, -1.0f, 1.0f, 0.25f}));
  auto perChannel = dequantizeFp8(codes.data(), 2, 2, {0.5f, 4.0f});
  ASSERT_TRUE(perChannel);
  EXPECT_EQ(*perChannel, (std::vector<float>{0.5f, -1.0f, 8.0f, 2.0f}));
  auto wrong = dequantizeFp8(codes.data(), 2, 2, {1.0f, 1.0f, 1.0f});
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.status().message().find("got 3"), std::string::npos)
      << wrong.status().message();
}

TEST(Fp8Quantize, RefusesNonFiniteWeightsNamingTheElement) {
  const std::vector<float> weight = {1, 2, 3, std::nanf("")};
  auto q = quantizeFp8PerChannel(weight.data(), 2, 2);
  ASSERT_FALSE(q);
  EXPECT_NE(q.status().message().find("[1, 1]"), std::string::npos)
      << q.status().message();
}

} // namespace
} // namespace llmc
