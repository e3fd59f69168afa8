// Unit tests of CpuModel on a tiny random GQA configuration: against an
// independent naive forward pass in double, prefill/decode consistency through
// the KV cache, thread-count independence, and argument errors.
#include "runtime/cpu/CpuModel.h"
#include "runtime/cpu/CpuGenerator.h"
#include "runtime/model/WeightNames.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>

using namespace llmc;

namespace {

ModelConfig tinyConfig(RopeStyle style, bool tied) {
  ModelConfig c;
  c.name = "tiny";
  c.architecture = "LlamaForCausalLM";
  c.dim = 64;
  c.numLayers = 2;
  c.numHeads = 4;
  c.numKvHeads = 2;
  c.headDim = 16;
  c.ffnDim = 96;
  c.vocabSize = 50;
  c.maxSeqLen = 16;
  c.ropeStyle = style;
  c.tieWordEmbeddings = tied;
  return c;
}

/// Random fp32 tensors with the shapes of `c`, kept as plain vectors too so the
/// naive forward pass below reads exactly the same values.
struct TinyWeights {
  WeightStore store;
  std::string nanTensor;
  std::map<std::string, std::vector<float>> values;

  void add(const std::string &name, std::vector<int64_t> shape, float mean,
           float stddev, std::mt19937 &rng) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    if (name == nanTensor)
      mean = std::numeric_limits<float>::quiet_NaN();
    std::normal_distribution<float> dist(mean, stddev);
    std::vector<float> v(static_cast<size_t>(n));
    for (float &x : v)
      x = dist(rng);
    std::vector<uint8_t> bytes(v.size() * sizeof(float));
    std::memcpy(bytes.data(), v.data(), bytes.size());
    WeightTensor t;
    t.name = name;
    t.dtype = DType::F32;
    t.shape = shape;
    t.storage = ownBytes(std::move(bytes));
    ASSERT_TRUE(store.add(std::move(t)).isOk());
    values[name] = std::move(v);
  }
};

/// Random weights of `c`'s shapes; tensor `nanTensor` (if named) is all NaN.
TinyWeights makeWeights(const ModelConfig &c, uint32_t seed,
                        const std::string &nanTensor = "") {
  namespace wn = weight_names;
  std::mt19937 rng(seed);
  TinyWeights w;
  w.nanTensor = nanTensor;
  // Scales of order 1/sqrt(fan_in) keep activations O(1) through the layers.
  const float s = 1.0f / std::sqrt(float(c.dim));
  w.add(wn::embedTokens(), {c.vocabSize, c.dim}, 0, 1.0f, rng);
  for (int64_t i = 0; i < c.numLayers; ++i) {
    w.add(wn::attnNorm(i), {c.dim}, 1.0f, 0.1f, rng);
    w.add(wn::wq(i), {c.qDim(), c.dim}, 0, s, rng);
    w.add(wn::wk(i), {c.kvDim(), c.dim}, 0, s, rng);
    w.add(wn::wv(i), {c.kvDim(), c.dim}, 0, s, rng);
    w.add(wn::wo(i), {c.dim, c.qDim()}, 0, s, rng);
    w.add(wn::ffnNorm(i), {c.dim}, 1.0f, 0.1f, rng);
    w.add(wn::wGate(i), {c.ffnDim, c.dim}, 0, s, rng);
    w.add(wn::wUp(i), {c.ffnDim, c.dim}, 0, s, rng);
    w.add(wn::wDown(i), {c.dim, c.ffnDim}, 0, 1.0f / std::sqrt(float(c.ffnDim)),
          rng);
  }
  w.add(wn::finalNorm(), {c.dim}, 1.0f, 0.1f, rng);
  if (!c.tieWordEmbeddings)
    w.add(wn::lmHead(), {c.vocabSize, c.dim}, 0, s, rng);
  return w;
}

using Matrix = std::vector<std::vector<double>>; // [rows][cols]

/// y[t] = W x[t] for W stored [out, in] row-major.
Matrix matmul(const Matrix &x, const std::vector<float> &w, int64_t out) {
  Matrix y(x.size(), std::vector<double>(static_cast<size_t>(out), 0.0));
  const size_t in = x[0].size();
  for (size_t t = 0; t < x.size(); ++t)
    for (size_t n = 0; n < size_t(out); ++n)
      for (size_t k = 0; k < in; ++k)
        y[t][n] += double(w[n * in + k]) * x[t][k];
  return y;
}

Matrix rmsNorm(const Matrix &x, const std::vector<float> &w, double eps) {
  Matrix y = x;
  for (auto &row : y) {
    double ms = 0;
    for (double v : row)
      ms += v * v;
    double inv = 1.0 / std::sqrt(ms / double(row.size()) + eps);
    for (size_t i = 0; i < row.size(); ++i)
      row[i] *= inv * w[i];
  }
  return y;
}

/// Rotates each head of each row; token t is at position t.
void rope(Matrix &x, int64_t heads, const ModelConfig &c) {
  const int64_t hd = c.headDim;
  for (size_t t = 0; t < x.size(); ++t)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < hd / 2; ++i) {
        double angle = double(t) * std::pow(c.ropeTheta, -2.0 * i / hd);
        int64_t a = c.ropeStyle == RopeStyle::Interleaved ? 2 * i : i;
        int64_t b =
            c.ropeStyle == RopeStyle::Interleaved ? 2 * i + 1 : i + hd / 2;
        double &xa = x[t][size_t(h * hd + a)], &xb = x[t][size_t(h * hd + b)];
        double ra = xa * std::cos(angle) - xb * std::sin(angle);
        double rb = xa * std::sin(angle) + xb * std::cos(angle);
        xa = ra;
        xb = rb;
      }
}

/// The whole sequence at once in double with an explicit causal mask: no KV
/// cache, no reference ops. Returns logits [T][vocab].
Matrix naiveForward(const ModelConfig &c, const TinyWeights &w,
                    const std::vector<int32_t> &tokens) {
  namespace wn = weight_names;
  auto W = [&](const std::string &name) -> const std::vector<float> & {
    return w.values.at(name);
  };
  const size_t T = tokens.size();
  const int64_t hd = c.headDim, group = c.numHeads / c.numKvHeads;
  Matrix x(T);
  for (size_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < c.dim; ++i)
      x[t].push_back(W(wn::embedTokens())[size_t(tokens[t] * c.dim + i)]);
  for (int64_t l = 0; l < c.numLayers; ++l) {
    Matrix h = rmsNorm(x, W(wn::attnNorm(l)), c.normEps);
    Matrix q = matmul(h, W(wn::wq(l)), c.qDim());
    Matrix k = matmul(h, W(wn::wk(l)), c.kvDim());
    Matrix v = matmul(h, W(wn::wv(l)), c.kvDim());
    rope(q, c.numHeads, c);
    rope(k, c.numKvHeads, c);
    Matrix attn(T, std::vector<double>(size_t(c.qDim()), 0.0));
    for (size_t t = 0; t < T; ++t)
      for (int64_t head = 0; head < c.numHeads; ++head) {
        const int64_t kvOff = (head / group) * hd, qOff = head * hd;
        std::vector<double> p(t + 1);
        double mx = -1e300, sum = 0;
        for (size_t s = 0; s <= t; ++s) {
          double d = 0;
          for (int64_t i = 0; i < hd; ++i)
            d += q[t][size_t(qOff + i)] * k[s][size_t(kvOff + i)];
          p[s] = d / std::sqrt(double(hd));
          mx = std::max(mx, p[s]);
        }
        for (double &e : p)
          sum += (e = std::exp(e - mx));
        for (size_t s = 0; s <= t; ++s)
          for (int64_t i = 0; i < hd; ++i)
            attn[t][size_t(qOff + i)] += p[s] / sum * v[s][size_t(kvOff + i)];
      }
    Matrix o = matmul(attn, W(wn::wo(l)), c.dim);
    for (size_t t = 0; t < T; ++t)
      for (int64_t i = 0; i < c.dim; ++i)
        x[t][size_t(i)] += o[t][size_t(i)];
    h = rmsNorm(x, W(wn::ffnNorm(l)), c.normEps);
    Matrix g = matmul(h, W(wn::wGate(l)), c.ffnDim);
    Matrix u = matmul(h, W(wn::wUp(l)), c.ffnDim);
    for (size_t t = 0; t < T; ++t)
      for (int64_t i = 0; i < c.ffnDim; ++i) {
        double gi = g[t][size_t(i)];
        g[t][size_t(i)] = gi / (1.0 + std::exp(-gi)) * u[t][size_t(i)];
      }
    Matrix d = matmul(g, W(wn::wDown(l)), c.dim);
    for (size_t t = 0; t < T; ++t)
      for (int64_t i = 0; i < c.dim; ++i)
        x[t][size_t(i)] += d[t][size_t(i)];
  }
  Matrix h = rmsNorm(x, W(wn::finalNorm()), c.normEps);
  return matmul(h, W(c.tieWordEmbeddings ? wn::embedTokens() : wn::lmHead()),
                c.vocabSize);
}

/// max |a - b| / max |b| over one row: the error measure of the numerics tests.
double relativeError(const float *a, const std::vector<double> &b) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    diff = std::max(diff, std::fabs(double(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(b[i]));
  }
  return diff / scale;
}

double relativeError(const std::vector<float> &a, const float *b, size_t n) {
  std::vector<double> bd(b, b + n);
  return relativeError(a.data(), bd);
}

const std::vector<int32_t> kPrompt = {1, 17, 4, 49, 23, 8, 0, 31};

} // namespace

// fp32 against double through 2 layers of width <= 96: observed errors are
// ~1e-7; 1e-5 leaves margin while still catching any wiring mistake (a wrong
// RoPE pair, kv head or norm changes logits by O(1)).
constexpr double kVsNaiveTolerance = 1e-5;

TEST(CpuModel, MatchesNaiveDoubleForwardForBothRopeStylesAndTying) {
  for (RopeStyle style : {RopeStyle::HalfSplit, RopeStyle::Interleaved})
    for (bool tied : {false, true}) {
      ModelConfig c = tinyConfig(style, tied);
      TinyWeights w = makeWeights(c, 11);
      auto model = CpuModel::create(c, w.store, 2);
      ASSERT_TRUE(model.isOk()) << model.status().message();
      ref::KvCache cache = model->createCache();
      auto logits = model->forward(kPrompt, 0, cache, LogitsFor::AllTokens);
      ASSERT_TRUE(logits.isOk()) << logits.status().message();
      ASSERT_EQ(logits->size(), kPrompt.size() * 50);
      Matrix expected = naiveForward(c, w, kPrompt);
      for (size_t t = 0; t < kPrompt.size(); ++t)
        EXPECT_LT(relativeError(logits->data() + t * 50, expected[t]),
                  kVsNaiveTolerance)
            << "token " << t << " style " << int(style) << " tied " << tied;
    }
}

// Prefill and decode run identical per-token arithmetic today (bit-equal), but
// a blocked prefill GEMM may reorder sums: 1e-5 of the logit range allows that.
constexpr double kPrefillDecodeTolerance = 1e-5;

TEST(CpuModel, PrefillThenDecodeEqualsLongerPrefill) {
  ModelConfig c = tinyConfig(RopeStyle::HalfSplit, false);
  TinyWeights w = makeWeights(c, 12);
  auto model = CpuModel::create(c, w.store, 2);
  ASSERT_TRUE(model.isOk()) << model.status().message();
  const size_t n = kPrompt.size() - 1;

  ref::KvCache cache = model->createCache();
  std::vector<int32_t> head(kPrompt.begin(), kPrompt.begin() + long(n));
  ASSERT_TRUE(model->forward(head, 0, cache).isOk());
  auto decoded = model->forward({kPrompt[n]}, int64_t(n), cache);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  ASSERT_EQ(decoded->size(), 50u);

  ref::KvCache fresh = model->createCache();
  auto full = model->forward(kPrompt, 0, fresh, LogitsFor::AllTokens);
  ASSERT_TRUE(full.isOk());
  EXPECT_LT(relativeError(*decoded, full->data() + n * 50, 50),
            kPrefillDecodeTolerance);

  // Token-by-token decoding from an empty cache reproduces every row too.
  ref::KvCache stepwise = model->createCache();
  for (size_t t = 0; t < kPrompt.size(); ++t) {
    auto row = model->forward({kPrompt[t]}, int64_t(t), stepwise);
    ASSERT_TRUE(row.isOk());
    EXPECT_LT(relativeError(*row, full->data() + t * 50, 50),
              kPrefillDecodeTolerance)
        << "position " << t;
  }
}

TEST(CpuModel, ExplicitPositionsMatchStartPosition) {
  ModelConfig c = tinyConfig(RopeStyle::Interleaved, true);
  TinyWeights w = makeWeights(c, 13);
  auto model = CpuModel::create(c, w.store, 1);
  ASSERT_TRUE(model.isOk());
  ref::KvCache a = model->createCache(), b = model->createCache();
  auto byStart = model->forward(kPrompt, 0, a);
  std::vector<int32_t> positions(kPrompt.size());
  for (size_t t = 0; t < positions.size(); ++t)
    positions[t] = int32_t(t);
  auto byPositions = model->forward(kPrompt, positions, b);
  ASSERT_TRUE(byStart.isOk() && byPositions.isOk());
  EXPECT_EQ(*byStart, *byPositions);
}

TEST(CpuModel, ResultsDoNotDependOnThreadCount) {
  ModelConfig c = tinyConfig(RopeStyle::HalfSplit, false);
  TinyWeights w = makeWeights(c, 14);
  auto one = CpuModel::create(c, w.store, 1);
  auto three = CpuModel::create(c, w.store, 3);
  ASSERT_TRUE(one.isOk() && three.isOk());
  EXPECT_EQ(one->numThreads(), 1u);
  EXPECT_EQ(three->numThreads(), 3u);
  ref::KvCache a = one->createCache(), b = three->createCache();
  auto x = one->forward(kPrompt, 0, a, LogitsFor::AllTokens);
  auto y = three->forward(kPrompt, 0, b, LogitsFor::AllTokens);
  ASSERT_TRUE(x.isOk() && y.isOk());
  EXPECT_EQ(*x, *y);
}

TEST(CpuModel, RejectsPromptLongerThanTheContext) {
  ModelConfig c = tinyConfig(RopeStyle::HalfSplit, false);
  TinyWeights w = makeWeights(c, 15);
  auto model = CpuModel::create(c, w.store, 1);
  ASSERT_TRUE(model.isOk());
  ref::KvCache cache = model->createCache();
  std::vector<int32_t> tooLong(17, 3);
  auto result = model->forward(tooLong, 0, cache);
  ASSERT_FALSE(result.isOk());
  EXPECT_NE(result.status().message().find(
                "prompt of 17 tokens exceeds the context of 16"),
            std::string::npos)
      << result.status().message();
  // Exactly the context fits; one more decode step past it does not.
  std::vector<int32_t> exact(16, 3);
  ASSERT_TRUE(model->forward(exact, 0, cache).isOk());
  auto past = model->forward({3}, 16, cache);
  ASSERT_FALSE(past.isOk());
  EXPECT_NE(past.status().message().find("exceeds the context of 16"),
            std::string::npos)
      << past.status().message();
}

TEST(CpuModel, RejectsTokenIdsOutsideTheVocabulary) {
  ModelConfig c = tinyConfig(RopeStyle::HalfSplit, false);
  TinyWeights w = makeWeights(c, 16);
  auto model = CpuModel::create(c, w.store, 1);
  ASSERT_TRUE(model.isOk());
  ref::KvCache cache = model->createCache();
  for (int32_t bad : {50, -1}) {
    auto result = model->forward({1, bad}, 0, cache);
    ASSERT_FALSE(result.isOk());
    EXPECT_NE(result.status().message().find(std::to_string(bad)),
              std::string::npos)
        << result.status().message();
  }
  EXPECT_FALSE(model->forward(std::vector<int32_t>{}, 0, cache).isOk());
}

TEST(CpuModel, RejectsMissingOrMisshapenWeights) {
  ModelConfig c = tinyConfig(RopeStyle::HalfSplit, false);
  // Untied config without lm_head: the missing tensor is named.
  TinyWeights tiedWeights =
      makeWeights(tinyConfig(RopeStyle::HalfSplit, true), 17);
  auto missing = CpuModel::create(c, tiedWeights.store, 1);
  ASSERT_FALSE(missing.isOk());
  EXPECT_NE(missing.status().message().find("lm_head.weight"),
            std::string::npos)
      << missing.status().message();

  // A config whose ffn dim disagrees with the tensors: the shapes are named.
  ModelConfig wider = c;
  wider.ffnDim = 128;
  TinyWeights w = makeWeights(c, 18);
  auto misshapen = CpuModel::create(wider, w.store, 1);
  ASSERT_FALSE(misshapen.isOk());
  EXPECT_NE(misshapen.status().message().find("[96, 64]"), std::string::npos)
      << misshapen.status().message();
  EXPECT_NE(misshapen.status().message().find("[128, 64]"), std::string::npos)
      << misshapen.status().message();
}

TEST(CpuModel, ABatchOfSequencesComputesWhatEachComputesAlone) {
  ModelConfig c = tinyConfig(RopeStyle::HalfSplit, false);
  TinyWeights w = makeWeights(c, 13);
  auto model = CpuModel::create(c, w.store, 2);
  ASSERT_TRUE(model.isOk()) << model.status().message();
  // A prompt chunk after a cached head, beside a one-token decode row.
  const std::vector<int32_t> head = {1, 17, 4}, chunk = {49, 23, 8};
  const std::vector<int32_t> decode = {31};

  ref::KvCache aloneA = model->createCache(), aloneB = model->createCache();
  ASSERT_TRUE(model->forward(head, 0, aloneA).isOk());
  auto expectedA = model->forward(chunk, 3, aloneA);
  ASSERT_TRUE(model->forward(kPrompt, 0, aloneB).isOk());
  auto expectedB = model->forward(decode, int64_t(kPrompt.size()), aloneB);
  ASSERT_TRUE(expectedA.isOk() && expectedB.isOk());

  ref::KvCache a = model->createCache(), b = model->createCache();
  ASSERT_TRUE(model->forward(head, 0, a).isOk());
  ASSERT_TRUE(model->forward(kPrompt, 0, b).isOk());
  auto batched = model->forwardBatch(
      {{&chunk, 3, &a}, {&decode, int32_t(kPrompt.size()), &b}});
  ASSERT_TRUE(batched.isOk()) << batched.status().message();
  ASSERT_EQ(batched->size(), 100u);
  // Row by row the same arithmetic: bit-equal.
  EXPECT_EQ(std::vector<float>(batched->begin(), batched->begin() + 50),
            *expectedA);
  EXPECT_EQ(std::vector<float>(batched->begin() + 50, batched->end()),
            *expectedB);
}

TEST(CpuModel, RefusesWeightsHoldingNaN) {
  ModelConfig c = tinyConfig(RopeStyle::HalfSplit, false);
  TinyWeights w = makeWeights(c, 19, weight_names::wq(1));
  auto model = CpuModel::create(c, w.store, 1);
  ASSERT_FALSE(model.isOk());
  EXPECT_NE(model.status().message().find(weight_names::wq(1) +
                                          " holds a non-finite value"),
            std::string::npos)
      << model.status().message();
}

TEST(CpuGenerator, SizesTheKvCacheToTheRequestNotTheContext) {
  ModelConfig c = tinyConfig(RopeStyle::HalfSplit, false);
  TinyWeights w = makeWeights(c, 20);
  auto model = CpuModel::create(c, w.store, 1);
  ASSERT_TRUE(model.isOk()) << model.status().message();
  GenerationRequest request;
  request.prompt = {1, 5, 7};
  request.maxTokens = 4;
  // The last generated token is sampled, never run through the model.
  EXPECT_EQ(kvCachePositions(*model, request), 6);
  request.maxTokens = 1000;
  EXPECT_EQ(kvCachePositions(*model, request), c.maxSeqLen);
  request.maxTokens = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(kvCachePositions(*model, request), c.maxSeqLen);
}

TEST(CpuGenerator, RunsALongContextModelWithoutAllocatingItsContext) {
  // Its 2^22-position context would take 2 GiB of KV cache up front.
  ModelConfig c = tinyConfig(RopeStyle::HalfSplit, false);
  c.maxSeqLen = ConfigLimits::kMaxSeqLen;
  TinyWeights w = makeWeights(c, 21);
  auto model = CpuModel::create(c, w.store, 1);
  ASSERT_TRUE(model.isOk()) << model.status().message();
  GenerationRequest request;
  request.prompt = {1, 5, 7};
  request.maxTokens = 3;
  auto result = generate(*model, request);
  ASSERT_TRUE(result.isOk()) << result.status().message();
  EXPECT_EQ(result->tokens.size(), 3u);
}

TEST(CpuGenerator, ChecksARequestWithoutRunningIt) {
  ModelConfig c = tinyConfig(RopeStyle::HalfSplit, false);
  TinyWeights w = makeWeights(c, 22);
  auto model = CpuModel::create(c, w.store, 1);
  ASSERT_TRUE(model.isOk());
  GenerationRequest request;
  EXPECT_NE(checkGenerationRequest(*model, request)
                .message()
                .find("the prompt is empty"),
            std::string::npos);
  request.prompt = {1};
  request.sampling.temperature = -1;
  EXPECT_FALSE(checkGenerationRequest(*model, request).isOk());
}
