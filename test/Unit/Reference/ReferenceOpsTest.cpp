// Unit tests of the fp32 reference ops: each op against hand-computed values or
// an independent naive formula (evaluated in double), plus the thread pool and
// the KV cache they rely on.
#include "runtime/reference/ReferenceOps.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <random>

using namespace llmc;
using namespace llmc::ref;

namespace {

std::vector<float> randomVector(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

double norm2(const float *x, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i)
    s += double(x[i]) * x[i];
  return std::sqrt(s);
}

} // namespace

TEST(ThreadPool, CoversEveryIndexExactlyOnce) {
  for (unsigned threads : {1u, 2u, 3u, 5u}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int64_t n : {0, 1, 2, 3, 7, 100, 1001}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      for (int round = 0; round < 3; ++round)
        pool.parallelFor(n, [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i)
            hits[size_t(i)]++;
        });
      for (int64_t i = 0; i < n; ++i)
        ASSERT_EQ(hits[size_t(i)].load(), 3)
            << "threads " << threads << " n " << n;
    }
  }
}

TEST(KvCache, ReadsBackRowsWrittenPerLayerAndPosition) {
  KvCache cache(/*numLayers=*/2, /*numKvHeads=*/2, /*headDim=*/3,
                /*maxSeqLen=*/4);
  EXPECT_EQ(cache.rowSize(), 6);
  std::vector<float> k(6), v(6);
  for (int64_t layer = 0; layer < 2; ++layer)
    for (int64_t pos = 0; pos < 4; ++pos) {
      for (int i = 0; i < 6; ++i) {
        k[i] = float(layer * 100 + pos * 10 + i);
        v[i] = -k[i];
      }
      cache.write(layer, pos, k.data(), v.data());
    }
  EXPECT_EQ(cache.k(1, 2)[4], 124.0f);
  EXPECT_EQ(cache.v(0, 3)[5], -35.0f);
  EXPECT_EQ(cache.k(0, 0)[0], 0.0f);
}

TEST(Embed, CopiesTheRowOfEachToken) {
  const float table[3 * 2] = {0, 1, 10, 11, 20, 21};
  const int32_t tokens[3] = {2, 0, 2};
  float out[6];
  embed(table, 3, 2, tokens, 3, out);
  const float expected[6] = {20, 21, 0, 1, 20, 21};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(out[i], expected[i]);
}

TEST(RmsNorm, MatchesHandComputedValues) {
  // Row 0: mean of squares (1 + 4 + 9 + 16) / 4 = 7.5; row 1: all 2 -> 4.
  const float x[8] = {1, 2, 3, 4, 2, 2, 2, 2};
  const float w[4] = {1, 1, 1, 2};
  float out[8];
  rmsNorm(x, w, 2, 4, /*eps=*/0.0f, out);
  const double inv = 1.0 / std::sqrt(7.5);
  EXPECT_NEAR(out[0], 1 * inv, 1e-6);
  EXPECT_NEAR(out[2], 3 * inv, 1e-6);
  EXPECT_NEAR(out[3], 8 * inv, 1e-6);
  EXPECT_NEAR(out[4], 1.0, 1e-6);
  EXPECT_NEAR(out[7], 2.0, 1e-6);
  // eps enters under the square root: 1 / sqrt(4 + 5) = 1/3 for the second row.
  rmsNorm(x, w, 2, 4, /*eps=*/5.0f, out);
  EXPECT_NEAR(out[4], 2.0 / 3.0, 1e-6);
}

TEST(Linear, MatchesHandComputedValues) {
  // y = x . w^T with x [2, 3], w [2, 3].
  const float x[6] = {1, 2, 3, -1, 0, 1};
  const float w[6] = {1, 0, 0, 1, 1, 1};
  float out[4];
  linear(x, w, 2, 3, 2, out, nullptr);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], 6.0f);
  EXPECT_EQ(out[2], -1.0f);
  EXPECT_EQ(out[3], 0.0f);
}

TEST(Linear, MatchesNaiveDoubleFormulaOnRandomInputs) {
  // Odd inner sizes exercise the tail after the 8-wide partial sums.
  for (int64_t inDim : {1, 7, 8, 29, 288}) {
    const int64_t T = 3, N = 17;
    auto x = randomVector(size_t(T * inDim), 1);
    auto w = randomVector(size_t(N * inDim), 2);
    std::vector<float> out(size_t(T * N));
    linear(x.data(), w.data(), T, inDim, N, out.data(), nullptr);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t n = 0; n < N; ++n) {
        double expected = 0, magnitude = 0;
        for (int64_t k = 0; k < inDim; ++k) {
          expected += double(x[t * inDim + k]) * w[n * inDim + k];
          magnitude += std::fabs(double(x[t * inDim + k]) * w[n * inDim + k]);
        }
        // fp32 accumulation: error bounded by a few ulps of the sum of |terms|.
        EXPECT_NEAR(out[t * N + n], expected, 1e-6 * magnitude + 1e-7);
      }
  }
}

TEST(Linear, ThreadedEqualsSingleThreadedBitForBit) {
  const int64_t T = 5, K = 96, N = 131;
  auto x = randomVector(size_t(T * K), 3);
  auto w = randomVector(size_t(N * K), 4);
  std::vector<float> single(size_t(T * N)), threaded(size_t(T * N));
  linear(x.data(), w.data(), T, K, N, single.data(), nullptr);
  ThreadPool pool(3);
  linear(x.data(), w.data(), T, K, N, threaded.data(), &pool);
  EXPECT_EQ(single, threaded);
}

TEST(Rope, InverseFrequenciesArePowersOfTheta) {
  // theta^(-2i/d) with d = 8, theta = 10^4: 1, 0.1, 0.01, 0.001.
  auto f = ropeInverseFrequencies(8, 10000.0, RopeScaling{});
  ASSERT_EQ(f.size(), 4u);
  EXPECT_FLOAT_EQ(f[0], 1.0f);
  EXPECT_FLOAT_EQ(f[1], 0.1f);
  EXPECT_FLOAT_EQ(f[2], 0.01f);
  EXPECT_FLOAT_EQ(f[3], 0.001f);
}

TEST(Rope, Llama3ScalingMatchesHandComputedFrequencies) {
  // factor 8, low 1, high 4, original context 8192: wavelengths above 8192 are
  // divided by 8, below 2048 kept, between blended. d = 8, theta = 5e5 gives
  // freq_i = 5e5^(-i/4) = 1, 0.0376060, 0.00141421, 5.31830e-5 with wavelengths
  // 2*pi/freq = 6.28, 167.1, 4442.88, 118143.
  RopeScaling scaling;
  scaling.kind = RopeScaling::Kind::Llama3;
  scaling.factor = 8.0;
  scaling.lowFreqFactor = 1.0;
  scaling.highFreqFactor = 4.0;
  scaling.originalMaxPositionEmbeddings = 8192;
  auto f = ropeInverseFrequencies(8, 500000.0, scaling);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_FLOAT_EQ(f[0], 1.0f);          // high frequency: unchanged
  EXPECT_FLOAT_EQ(f[1], 0.0376060309f); // high frequency: unchanged
  // Between: smooth = (8192 / 4442.88 - 1) / (4 - 1) = 0.281283, and
  // (1 - 0.281283) * 0.00141421 / 8 + 0.281283 * 0.00141421 = 5.248462e-4.
  EXPECT_NEAR(f[2], 5.248462e-4, 1e-9);
  // Low frequency: 5.31830e-5 / 8 = 6.64787e-6.
  EXPECT_NEAR(f[3], 6.647870e-6, 1e-11);
}

TEST(Rope, InterleavedRotatesAdjacentPairsByHandComputedAngles) {
  // headDim 4, theta 1e4: frequencies 1 and 0.01; position 1 turns pair
  // (x0, x1) by 1 rad and (x2, x3) by 0.01 rad.
  auto f = ropeInverseFrequencies(4, 10000.0, RopeScaling{});
  float x[4] = {1, 0, 0, 2};
  const int32_t pos[1] = {1};
  rope(x, pos, 1, 1, 4, f, RopeStyle::Interleaved);
  EXPECT_NEAR(x[0], std::cos(1.0), 1e-6);
  EXPECT_NEAR(x[1], std::sin(1.0), 1e-6);
  EXPECT_NEAR(x[2], -2 * std::sin(0.01), 1e-6);
  EXPECT_NEAR(x[3], 2 * std::cos(0.01), 1e-6);
}

TEST(Rope, HalfSplitRotatesElementsHalfAHeadApart) {
  // Pairs (x0, x2) by 1 rad * position 2, (x1, x3) by 0.01 rad * 2.
  auto f = ropeInverseFrequencies(4, 10000.0, RopeScaling{});
  float x[8] = {9, 9, 9, 9, 1, 0, 0, 2}; // two heads; check the second
  const int32_t pos[1] = {2};
  rope(x, pos, 1, 2, 4, f, RopeStyle::HalfSplit);
  EXPECT_NEAR(x[4], std::cos(2.0), 1e-6);
  EXPECT_NEAR(x[6], std::sin(2.0), 1e-6);
  EXPECT_NEAR(x[5], -2 * std::sin(0.02), 1e-6);
  EXPECT_NEAR(x[7], 2 * std::cos(0.02), 1e-6);
}

TEST(Rope, PositionZeroIsIdentityAndRotationPreservesNorms) {
  const int64_t T = 3, H = 2, D = 16;
  auto f = ropeInverseFrequencies(D, 10000.0, RopeScaling{});
  for (RopeStyle style : {RopeStyle::Interleaved, RopeStyle::HalfSplit}) {
    auto x = randomVector(size_t(T * H * D), 5);
    auto y = x;
    const int32_t pos[T] = {0, 7, 250};
    rope(y.data(), pos, T, H, D, f, style);
    for (int64_t i = 0; i < H * D; ++i)
      EXPECT_EQ(y[size_t(i)], x[size_t(i)]) << "position 0 must be identity";
    for (int64_t t = 1; t < T; ++t)
      for (int64_t h = 0; h < H; ++h) {
        const int64_t at = (t * H + h) * D;
        EXPECT_NEAR(norm2(y.data() + at, D), norm2(x.data() + at, D), 1e-5);
        EXPECT_NE(y[size_t(at)], x[size_t(at)]);
      }
  }
}

namespace {

/// Naive attention in double: softmax(q.k * scale) . v over positions [0, pos].
/// With `window` > 0, only positions (pos - window, pos].
std::vector<double> naiveAttention(const std::vector<float> &q,
                                   const KvCache &cache, int64_t layer,
                                   const std::vector<int32_t> &positions,
                                   int64_t H, float scale, int64_t window = 0) {
  const int64_t D = cache.headDim(), group = H / cache.numKvHeads();
  const int64_t T = int64_t(positions.size());
  std::vector<double> out(size_t(T * H * D), 0.0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t h = 0; h < H; ++h) {
      const int64_t kvh = h / group;
      std::vector<double> s;
      const int64_t first =
          window > 0 ? std::max<int64_t>(0, positions[size_t(t)] - window + 1)
                     : 0;
      for (int64_t p = first; p <= positions[size_t(t)]; ++p) {
        double d = 0;
        for (int64_t i = 0; i < D; ++i)
          d += double(q[size_t((t * H + h) * D + i)]) *
               cache.k(layer, p)[kvh * D + i];
        s.push_back(d * scale);
      }
      double mx = *std::max_element(s.begin(), s.end()), sum = 0;
      for (double &e : s)
        sum += (e = std::exp(e - mx));
      for (size_t p = 0; p < s.size(); ++p)
        for (int64_t i = 0; i < D; ++i)
          out[size_t((t * H + h) * D + i)] +=
              s[p] / sum * cache.v(layer, first + int64_t(p))[kvh * D + i];
    }
  return out;
}

void fillCache(KvCache &cache, int64_t layer, int64_t count, uint32_t seed) {
  for (int64_t p = 0; p < count; ++p) {
    auto k = randomVector(size_t(cache.rowSize()), seed + uint32_t(2 * p));
    auto v = randomVector(size_t(cache.rowSize()), seed + uint32_t(2 * p + 1));
    cache.write(layer, p, k.data(), v.data());
  }
}

} // namespace

TEST(Attention, SingleKeyReturnsItsValue) {
  KvCache cache(1, 2, 4, 8);
  fillCache(cache, 0, 1, 10);
  auto q = randomVector(4 * 4, 11, 3.0f); // 4 query heads, 2 kv heads
  std::vector<float> out(16);
  const int32_t pos[1] = {0};
  attention(q.data(), cache, 0, pos, 1, 4, 0.5f, out.data(), nullptr);
  for (int64_t h = 0; h < 4; ++h)
    for (int64_t i = 0; i < 4; ++i)
      EXPECT_FLOAT_EQ(out[size_t(h * 4 + i)], cache.v(0, 0)[(h / 2) * 4 + i]);
}

TEST(Attention, QueryHeadsReadTheirGroupsKvHead) {
  // 6 query heads over 3 kv heads: query head h must read kv head h / 2. Each
  // kv head's value is the constant (kv head + 1), so the output names the
  // head.
  const int64_t H = 6, KvH = 3, D = 2;
  KvCache cache(1, KvH, D, 4);
  for (int64_t p = 0; p < 3; ++p) {
    auto k = randomVector(size_t(KvH * D), 20 + uint32_t(p));
    std::vector<float> v(size_t(KvH * D));
    for (int64_t j = 0; j < KvH; ++j)
      v[size_t(j * D)] = v[size_t(j * D + 1)] = float(j + 1);
    cache.write(0, p, k.data(), v.data());
  }
  auto q = randomVector(size_t(H * D), 21);
  std::vector<float> out(size_t(H * D));
  const int32_t pos[1] = {2};
  attention(q.data(), cache, 0, pos, 1, H, 1.0f, out.data(), nullptr);
  for (int64_t h = 0; h < H; ++h)
    EXPECT_NEAR(out[size_t(h * D)], float(h / 2 + 1), 1e-6) << "head " << h;
}

TEST(Attention, IsCausalByPosition) {
  // Token at position p must not see cache rows after p: rewriting those rows
  // leaves its output unchanged, while the last token's output changes.
  const int64_t H = 2, D = 8, T = 4;
  KvCache cache(2, 1, D, 8);
  fillCache(cache, 1, T, 30);
  auto q = randomVector(size_t(T * H * D), 31);
  const int32_t pos[T] = {0, 1, 2, 3};
  std::vector<float> before(size_t(T * H * D)), after(before.size());
  attention(q.data(), cache, 1, pos, T, H, 0.35f, before.data(), nullptr);
  auto k = randomVector(size_t(D), 32), v = randomVector(size_t(D), 33);
  cache.write(1, 3, k.data(), v.data());
  attention(q.data(), cache, 1, pos, T, H, 0.35f, after.data(), nullptr);
  for (int64_t i = 0; i < 3 * H * D; ++i)
    EXPECT_EQ(before[size_t(i)], after[size_t(i)]);
  EXPECT_NE(before[size_t(3 * H * D)], after[size_t(3 * H * D)]);
  // The first token attends only to itself.
  for (int64_t h = 0; h < H; ++h)
    for (int64_t i = 0; i < D; ++i)
      EXPECT_FLOAT_EQ(before[size_t(h * D + i)], cache.v(1, 0)[i]);
}

TEST(Attention, MatchesNaiveDoubleFormulaWithGqa) {
  const int64_t H = 4, KvH = 2, D = 16;
  KvCache cache(1, KvH, D, 32);
  fillCache(cache, 0, 20, 40);
  // Tokens need not be consecutive: decode rows of different lengths.
  const std::vector<int32_t> pos = {3, 19, 0, 11};
  const int64_t T = int64_t(pos.size());
  auto q = randomVector(size_t(T * H * D), 41);
  const float scale = 1.0f / std::sqrt(float(D));
  std::vector<float> out(size_t(T * H * D));
  attention(q.data(), cache, 0, pos.data(), T, H, scale, out.data(), nullptr);
  auto expected = naiveAttention(q, cache, 0, pos, H, scale);
  // Outputs are convex combinations of unit-scale values: 1e-5 absolute is
  // ~100 float ulps of headroom for the fp32 softmax and accumulation.
  for (size_t i = 0; i < out.size(); ++i)
    EXPECT_NEAR(out[i], expected[i], 1e-5) << "element " << i;
}

TEST(Attention, SlidingWindowSeesOnlyTheLastWindowPositions) {
  const int64_t H = 4, KvH = 2, D = 16, window = 5;
  KvCache cache(1, KvH, D, 32);
  fillCache(cache, 0, 20, 50);
  // Shorter than the window, exactly the window, longer.
  const std::vector<int32_t> pos = {2, 4, 5, 19};
  const int64_t T = int64_t(pos.size());
  auto q = randomVector(size_t(T * H * D), 51);
  const float scale = 1.0f / std::sqrt(float(D));
  std::vector<float> out(size_t(T * H * D));
  attention(q.data(), cache, 0, pos.data(), T, H, scale, out.data(), nullptr,
            window);
  auto expected = naiveAttention(q, cache, 0, pos, H, scale, window);
  for (size_t i = 0; i < out.size(); ++i)
    EXPECT_NEAR(out[i], expected[i], 1e-5) << "element " << i;
  // Rows before the window do not matter: overwrite position 14 (outside
  // the window of position 19, which starts at 15) and nothing changes.
  auto k = randomVector(size_t(KvH * D), 52), v = randomVector(k.size(), 53);
  cache.write(0, 14, k.data(), v.data());
  std::vector<float> again(out.size());
  attention(q.data(), cache, 0, pos.data(), T, H, scale, again.data(), nullptr,
            window);
  EXPECT_EQ(out, again);
}

TEST(HeadRmsNorm, NormalizesEveryHeadOnItsOwn) {
  // Two tokens of two heads of 2: head values (3, 4) -> rms 3.5355.
  std::vector<float> x = {3, 4, 1, 1, 0, 2, 6, 8};
  const std::vector<float> weight = {1.0f, 2.0f};
  headRmsNorm(x.data(), weight.data(), 2, 2, 2, 0.0f);
  const float r = 1.0f / std::sqrt(12.5f);
  const std::vector<float> expected = {
      3 * r, 8 * r, 1, 2, 0, 2 * std::sqrt(2.0f), 6 * r / 2, 16 * r / 2};
  for (size_t i = 0; i < x.size(); ++i)
    EXPECT_NEAR(x[i], expected[i], 1e-6) << "element " << i;
}

TEST(AddBias, AddsTheVectorToEveryRow) {
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  const std::vector<float> bias = {10, 20, 30};
  addBias(x.data(), bias.data(), 2, 3);
  EXPECT_EQ(x, (std::vector<float>{11, 22, 33, 14, 25, 36}));
}

TEST(Attention, ThreadedEqualsSingleThreadedBitForBit) {
  const int64_t H = 6, KvH = 3, D = 8, T = 7;
  KvCache cache(1, KvH, D, 16);
  fillCache(cache, 0, T, 50);
  std::vector<int32_t> pos(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t)
    pos[size_t(t)] = int32_t(t);
  auto q = randomVector(size_t(T * H * D), 51);
  std::vector<float> single(size_t(T * H * D)), threaded(single.size());
  attention(q.data(), cache, 0, pos.data(), T, H, 0.3f, single.data(), nullptr);
  ThreadPool pool(4);
  attention(q.data(), cache, 0, pos.data(), T, H, 0.3f, threaded.data(), &pool);
  EXPECT_EQ(single, threaded);
}

TEST(Attention, SoftmaxIsStableForHugeScores) {
  // Scores of order 1e6 overflow a naive exp(); the stable softmax puts all the
  // weight on the best key, so the output is exactly its value.
  const int64_t D = 4;
  KvCache cache(1, 1, D, 4);
  const float k0[D] = {1, 0, 0, 0}, v0[D] = {1, 2, 3, 4};
  const float k1[D] = {-1, 0, 0, 0}, v1[D] = {-5, -6, -7, -8};
  cache.write(0, 0, k0, v0);
  cache.write(0, 1, k1, v1);
  const float q[D] = {1e6f, 0, 0, 0};
  float out[D];
  const int32_t pos[1] = {1};
  attention(q, cache, 0, pos, 1, 1, 1.0f, out, nullptr);
  for (int64_t i = 0; i < D; ++i) {
    EXPECT_TRUE(std::isfinite(out[i]));
    EXPECT_EQ(out[i], v0[i]);
  }
}

TEST(Swiglu, MatchesHandComputedValues) {
  // silu(g) = g / (1 + e^-g): silu(0) = 0, silu(1) = 0.7310586, silu(-2) =
  // -0.2384058.
  const float g[3] = {0, 1, -2}, u[3] = {5, 2, 3};
  float out[3];
  swiglu(g, u, 3, out);
  EXPECT_FLOAT_EQ(out[0], 0.0f);
  EXPECT_NEAR(out[1], 2 * 0.7310586, 1e-6);
  EXPECT_NEAR(out[2], 3 * -0.2384058, 1e-6);
  // Large negative gates saturate to zero instead of producing NaN.
  const float big[1] = {-1000.0f}, one[1] = {1.0f};
  swiglu(big, one, 1, out);
  EXPECT_EQ(out[0], 0.0f);
}

TEST(Add, AddsElementwise) {
  const float a[3] = {1, 2, 3}, b[3] = {10, -2, 0.5f};
  float out[3];
  add(a, b, 3, out);
  EXPECT_EQ(out[0], 11.0f);
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_EQ(out[2], 3.5f);
}
