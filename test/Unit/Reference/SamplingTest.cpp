// Unit tests of token sampling: greedy and its tie rule, the top-k / top-p
// filters, determinism by (seed, step), the empirical distribution at
// temperature 1, and parameter validation.
#include "runtime/reference/ReferenceOps.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

using namespace llmc;
using namespace llmc::ref;

namespace {

std::vector<float> randomLogits(int64_t vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  std::vector<float> v(static_cast<size_t>(vocab));
  for (float &x : v)
    x = dist(rng);
  return v;
}

int32_t argmaxOf(const std::vector<float> &v) {
  return int32_t(std::max_element(v.begin(), v.end()) - v.begin());
}

SamplingParams withTemperature(float temperature, uint64_t seed = 7) {
  SamplingParams p;
  p.temperature = temperature;
  p.seed = seed;
  return p;
}

} // namespace

TEST(Sampling, GreedyPicksArgmaxAndTheLowestIdOnTies) {
  const float logits[5] = {0.5f, 3.0f, -1.0f, 3.0f, 2.9f};
  SamplingParams greedy;
  EXPECT_EQ(sample(logits, 5, greedy, 0), 1);
  const float allEqual[4] = {1, 1, 1, 1};
  EXPECT_EQ(sample(allEqual, 4, greedy, 0), 0);
  for (uint32_t seed = 0; seed < 20; ++seed) {
    auto v = randomLogits(1000, seed);
    EXPECT_EQ(sample(v.data(), 1000, greedy, seed), argmaxOf(v));
  }
}

TEST(Sampling, TopKOfOneEqualsGreedy) {
  for (uint32_t seed = 0; seed < 50; ++seed) {
    auto v = randomLogits(500, 100 + seed);
    SamplingParams p = withTemperature(1.5f, seed);
    p.topK = 1;
    EXPECT_EQ(sample(v.data(), 500, p, seed * 3), argmaxOf(v));
  }
  // Ties at the top: top-k = 1 keeps the lowest id, like greedy.
  const float tied[3] = {1, 4, 4};
  SamplingParams p = withTemperature(1.0f);
  p.topK = 1;
  for (uint64_t step = 0; step < 20; ++step)
    EXPECT_EQ(sample(tied, 3, p, step), 1);
}

TEST(Sampling, TinyTopPEqualsGreedy) {
  for (uint32_t seed = 0; seed < 50; ++seed) {
    auto v = randomLogits(500, 200 + seed);
    SamplingParams p = withTemperature(1.0f, seed);
    p.topP = 1e-6f;
    EXPECT_EQ(sample(v.data(), 500, p, seed), argmaxOf(v));
  }
}

TEST(Sampling, IsDeterministicInSeedAndStep) {
  auto v = randomLogits(50, 300);
  SamplingParams p = withTemperature(2.0f, 42);
  std::vector<int32_t> first, second, otherSeed;
  for (uint64_t step = 0; step < 200; ++step) {
    first.push_back(sample(v.data(), 50, p, step));
    // Interleave other requests' draws: nothing is carried between calls.
    (void)sample(v.data(), 50, withTemperature(2.0f, 43), step + 1000);
  }
  for (uint64_t step = 0; step < 200; ++step)
    second.push_back(sample(v.data(), 50, p, step));
  EXPECT_EQ(first, second);
  for (uint64_t step = 0; step < 200; ++step)
    otherSeed.push_back(sample(v.data(), 50, withTemperature(2.0f, 43), step));
  EXPECT_NE(first, otherSeed);
  // Different steps of one request give different tokens, not one repeated.
  EXPECT_GT(std::set<int32_t>(first.begin(), first.end()).size(), 10u);
}

TEST(Sampling, UniformFromCounterIsInUnitIntervalAndUniform) {
  const int n = 100000;
  double sum = 0;
  int buckets[10] = {0};
  for (int i = 0; i < n; ++i) {
    float u = uniformFromCounter(9, uint64_t(i));
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
    buckets[int(u * 10)]++;
  }
  // Mean of n uniforms: standard deviation 0.289 / sqrt(n) = 0.0009.
  EXPECT_NEAR(sum / n, 0.5, 0.005);
  // Each decile holds 10000 +- 95 (one sigma); allow 6 sigma.
  for (int b : buckets)
    EXPECT_NEAR(b, n / 10, 570);
  EXPECT_EQ(uniformFromCounter(1, 2), uniformFromCounter(1, 2));
  EXPECT_NE(uniformFromCounter(1, 2), uniformFromCounter(2, 1));
}

namespace {

/// Frequencies of each token over `steps` draws.
std::vector<double> frequencies(const std::vector<float> &logits,
                                const SamplingParams &p, int steps) {
  std::vector<double> f(logits.size(), 0.0);
  for (int s = 0; s < steps; ++s)
    f[size_t(sample(logits.data(), int64_t(logits.size()), p, uint64_t(s)))] +=
        1.0;
  for (double &x : f)
    x /= steps;
  return f;
}

std::vector<double> softmax(const std::vector<float> &logits,
                            double temperature) {
  std::vector<double> p(logits.size());
  double sum = 0;
  for (size_t i = 0; i < logits.size(); ++i)
    sum += (p[i] = std::exp(logits[i] / temperature));
  for (double &x : p)
    x /= sum;
  return p;
}

} // namespace

// Tolerance of the frequency tests: with 40000 draws a frequency's standard
// deviation is sqrt(p (1 - p) / 40000) <= 0.0025, so 0.0125 is five sigma.
constexpr int kDraws = 40000;
constexpr double kFrequencyTolerance = 0.0125;

TEST(Sampling, FrequenciesAtTemperatureOneMatchSoftmax) {
  const std::vector<float> logits = {1.0f, 2.0f, 0.0f, 2.5f, -1.0f, 1.5f};
  auto expected = softmax(logits, 1.0);
  auto observed = frequencies(logits, withTemperature(1.0f, 5), kDraws);
  for (size_t i = 0; i < logits.size(); ++i)
    EXPECT_NEAR(observed[i], expected[i], kFrequencyTolerance) << "token " << i;
}

TEST(Sampling, TemperatureSharpensTheDistribution) {
  const std::vector<float> logits = {1.0f, 2.0f, 0.0f};
  auto expected = softmax(logits, 0.5);
  auto observed = frequencies(logits, withTemperature(0.5f, 6), kDraws);
  for (size_t i = 0; i < logits.size(); ++i)
    EXPECT_NEAR(observed[i], expected[i], kFrequencyTolerance) << "token " << i;
}

TEST(Sampling, TopKRenormalizesOverTheKMostLikely) {
  const std::vector<float> logits = {1.0f, 2.0f, 0.0f, 2.5f, -1.0f, 1.5f};
  SamplingParams p = withTemperature(1.0f, 8);
  p.topK = 3; // keeps tokens 3, 1, 5
  auto observed = frequencies(logits, p, kDraws);
  double z = std::exp(2.5) + std::exp(2.0) + std::exp(1.5);
  EXPECT_NEAR(observed[3], std::exp(2.5) / z, kFrequencyTolerance);
  EXPECT_NEAR(observed[1], std::exp(2.0) / z, kFrequencyTolerance);
  EXPECT_NEAR(observed[5], std::exp(1.5) / z, kFrequencyTolerance);
  EXPECT_EQ(observed[0] + observed[2] + observed[4], 0.0);
}

TEST(Sampling, TopPKeepsTheSmallestPrefixReachingTheMass) {
  // Probabilities 0.5, 0.3, 0.15, 0.05 (ids 2, 0, 3, 1). top_p = 0.7 needs the
  // first two (0.8 >= 0.7), so ids 2 and 0 remain with 5/8 and 3/8.
  const std::vector<float> logits = {std::log(0.3f), std::log(0.05f),
                                     std::log(0.5f), std::log(0.15f)};
  SamplingParams p = withTemperature(1.0f, 9);
  p.topP = 0.7f;
  auto observed = frequencies(logits, p, kDraws);
  EXPECT_NEAR(observed[2], 0.625, kFrequencyTolerance);
  EXPECT_NEAR(observed[0], 0.375, kFrequencyTolerance);
  EXPECT_EQ(observed[1] + observed[3], 0.0);
}

TEST(Sampling, SoftmaxIsStableForLargeLogits) {
  // Adding 1e4 to every logit overflows a naive exp(); the stable softmax sees
  // the same distribution, so every draw is the same token as without it.
  auto base = randomLogits(100, 400);
  auto shifted = base;
  for (float &x : shifted)
    x += 1e4f;
  // Keep the shift exact in float so the two distributions really are equal.
  for (size_t i = 0; i < base.size(); ++i)
    base[i] = shifted[i] - 1e4f;
  SamplingParams p = withTemperature(1.0f, 10);
  for (uint64_t step = 0; step < 500; ++step)
    ASSERT_EQ(sample(shifted.data(), 100, p, step),
              sample(base.data(), 100, p, step));
}

TEST(Sampling, ValidateNamesTheParameterAndTheValue) {
  EXPECT_TRUE(SamplingParams{}.validate().isOk());
  SamplingParams p;
  p.temperature = -0.5f;
  Status s = p.validate();
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("temperature"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("-0.5"), std::string::npos) << s.message();

  p = SamplingParams{};
  p.temperature = std::nanf("");
  EXPECT_FALSE(p.validate().isOk());

  p = SamplingParams{};
  p.topK = -3;
  s = p.validate();
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("top_k"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("-3"), std::string::npos) << s.message();

  for (float bad : {0.0f, 1.5f, -0.1f}) {
    p = SamplingParams{};
    p.topP = bad;
    s = p.validate();
    ASSERT_FALSE(s.isOk()) << bad;
    EXPECT_NE(s.message().find("top_p"), std::string::npos) << s.message();
  }
  p.topP = 1.5f;
  EXPECT_NE(p.validate().message().find("1.5"), std::string::npos);
}
