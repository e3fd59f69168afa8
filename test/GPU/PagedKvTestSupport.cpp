// Paged KV-cache scenarios, the RoPE + KV-write reference and its check.
#include "test/GPU/PagedKvTestSupport.h"

#include "runtime/model/WeightStore.h"
#include "runtime/reference/ReferenceOps.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

namespace llmc::gputest {
namespace {

/// A deterministic permutation of 0..n-1 (own Fisher-Yates: std::shuffle's
/// order is not specified across standard libraries).
std::vector<int32_t> permutation(int n, std::mt19937 &rng) {
  std::vector<int32_t> p(n);
  for (int i = 0; i < n; ++i)
    p[i] = i;
  for (int i = n - 1; i > 0; --i)
    std::swap(p[i], p[rng() % uint32_t(i + 1)]);
  return p;
}

/// Fills every block-table entry with a distinct physical block, leaving a few
/// spare blocks that no entry names.
void assignBlocks(PagedKvScenario &s, std::mt19937 &rng) {
  const int entries = s.numSlots * s.maxBlocksPerSeq;
  s.numBlocks = entries + 3;
  std::vector<int32_t> blocks = permutation(s.numBlocks, rng);
  s.blockTables.assign(blocks.begin(), blocks.begin() + entries);
}

} // namespace

int64_t PagedKvScenario::cacheOffset(int t, int kvHead) const {
  const int position = positions[t];
  if (position < 0 || position / blockSize >= maxBlocksPerSeq)
    return -1;
  const int block =
      blockTables[size_t(slotOf(t)) * maxBlocksPerSeq + position / blockSize];
  if (block < 0)
    return -1;
  return ((int64_t(block) * kvHeads + kvHead) * blockSize +
          position % blockSize) *
         headDim;
}

PagedKvScenario makeDecodeScenario(int heads, int kvHeads, int headDim,
                                   int blockSize, int numTokens,
                                   int maxPosition, uint64_t seed, int idleRow,
                                   int unmappedRow) {
  std::mt19937 rng{uint32_t(seed)};
  PagedKvScenario s;
  s.heads = heads;
  s.kvHeads = kvHeads;
  s.headDim = headDim;
  s.blockSize = blockSize;
  s.numSlots = numTokens;
  s.maxBlocksPerSeq = (maxPosition + blockSize - 1) / blockSize;
  assignBlocks(s, rng);
  s.positions.resize(numTokens);
  for (int t = 0; t < numTokens; ++t)
    s.positions[t] = int32_t(rng() % uint32_t(maxPosition));
  if (idleRow >= 0 && idleRow < numTokens)
    s.positions[idleRow] = -1;
  if (unmappedRow >= 0 && unmappedRow < numTokens)
    s.blockTables[size_t(unmappedRow) * s.maxBlocksPerSeq +
                  s.positions[unmappedRow] / blockSize] = -1;
  return s;
}

PagedKvScenario
makePrefillScenario(int heads, int kvHeads, int headDim, int blockSize,
                    const std::vector<std::pair<int, int>> &sequences,
                    uint64_t seed) {
  std::mt19937 rng{uint32_t(seed)};
  PagedKvScenario s;
  s.heads = heads;
  s.kvHeads = kvHeads;
  s.headDim = headDim;
  s.blockSize = blockSize;
  s.numSlots = int(sequences.size());
  int longest = 1;
  for (auto [start, length] : sequences)
    longest = std::max(longest, start + length);
  s.maxBlocksPerSeq = (longest + blockSize - 1) / blockSize;
  assignBlocks(s, rng);
  for (size_t i = 0; i < sequences.size(); ++i)
    for (int p = 0; p < sequences[i].second; ++p) {
      s.positions.push_back(sequences[i].first + p);
      s.tokenSlots.push_back(int32_t(i));
    }
  return s;
}

RopeKvExpected ropeKvReference(const PagedKvScenario &s,
                               const std::vector<float> &qkv,
                               const std::vector<float> &inverseFrequencies,
                               RopeStyle style) {
  const int T = s.numTokens(), hd = s.headDim, columns = s.qkvColumns();
  const int qWidth = s.heads * hd, kvWidth = s.kvHeads * hd;
  std::vector<float> k(size_t(T) * kvWidth), v(size_t(T) * kvWidth);
  RopeKvExpected e;
  e.q.resize(size_t(T) * qWidth);
  for (int t = 0; t < T; ++t) {
    const float *row = qkv.data() + size_t(t) * columns;
    std::copy(row, row + qWidth, e.q.begin() + size_t(t) * qWidth);
    std::copy(row + qWidth, row + qWidth + kvWidth,
              k.begin() + size_t(t) * kvWidth);
    std::copy(row + qWidth + kvWidth, row + columns,
              v.begin() + size_t(t) * kvWidth);
  }
  ref::rope(e.q.data(), s.positions.data(), T, s.heads, hd, inverseFrequencies,
            style);
  ref::rope(k.data(), s.positions.data(), T, s.kvHeads, hd, inverseFrequencies,
            style);
  e.kCache.assign(s.poolElements(), NAN);
  e.vCache.assign(s.poolElements(), NAN);
  for (int t = 0; t < T; ++t)
    for (int h = 0; h < s.kvHeads; ++h) {
      int64_t offset = s.cacheOffset(t, h);
      if (offset < 0)
        continue;
      const size_t source = size_t(t) * kvWidth + size_t(h) * hd;
      std::copy(k.begin() + source, k.begin() + source + hd,
                e.kCache.begin() + offset);
      std::copy(v.begin() + source, v.begin() + source + hd,
                e.vCache.begin() + offset);
    }
  return e;
}

namespace {

/// The written part of one pool against its expectation, plus the count of
/// unwritten elements that lost their poison.
::testing::AssertionResult checkPool(const std::vector<float> &expected,
                                     const std::vector<uint16_t> &bits,
                                     double rtol, double atol,
                                     const std::string &what) {
  if (bits.size() != expected.size())
    return ::testing::AssertionFailure() << what << ": pool size mismatch";
  std::vector<float> actualWritten, expectedWritten;
  size_t clobbered = 0, firstClobbered = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::isnan(expected[i])) {
      if (bits[i] != 0xFFFF && clobbered++ == 0)
        firstClobbered = i;
      continue;
    }
    actualWritten.push_back(bf16ToFloat(bits[i]));
    expectedWritten.push_back(expected[i]);
  }
  if (clobbered)
    return ::testing::AssertionFailure()
           << what << ": " << clobbered
           << " elements written that no token maps to (first at "
           << firstClobbered << ")";
  return matchesReference(actualWritten, expectedWritten, rtol, atol, what);
}

} // namespace

::testing::AssertionResult
matchesRopeKv(const RopeKvExpected &expected, const std::vector<float> &q,
              const std::vector<uint16_t> &kCacheBits,
              const std::vector<uint16_t> &vCacheBits, double rtol, double atol,
              const std::string &what) {
  ::testing::AssertionResult qOk =
      matchesReference(q, expected.q, rtol, atol, what + " q");
  if (!qOk)
    return qOk;
  ::testing::AssertionResult kOk =
      checkPool(expected.kCache, kCacheBits, rtol, atol, what + " k cache");
  if (!kOk)
    return kOk;
  return checkPool(expected.vCache, vCacheBits, rtol, atol, what + " v cache");
}

RopeKvParamsArg RopeKvDeviceState::params(const PagedKvScenario &s) const {
  RopeKvParamsArg p;
  p.positions = positions.pointer();
  p.tokenSlots = s.tokenSlots.empty() ? 0 : tokenSlots.pointer();
  p.blockTables = blockTables.pointer();
  p.maxBlocksPerSeq = s.maxBlocksPerSeq;
  p.inverseFrequencies = inverseFrequencies.pointer();
  p.q = q.pointer();
  p.kCache = kCache.pointer();
  p.vCache = vCache.pointer();
  return p;
}

StatusOr<RopeKvDeviceState>
uploadRopeKv(const GpuContext &gpu, const PagedKvScenario &s,
             const std::vector<float> &inverseFrequencies) {
  RopeKvDeviceState d;
  LLMC_ASSIGN_OR_RETURN(d.positions, gpu.upload(s.positions));
  LLMC_ASSIGN_OR_RETURN(d.tokenSlots, gpu.upload(s.tokenSlots));
  LLMC_ASSIGN_OR_RETURN(d.blockTables, gpu.upload(s.blockTables));
  LLMC_ASSIGN_OR_RETURN(d.inverseFrequencies, gpu.upload(inverseFrequencies));
  LLMC_ASSIGN_OR_RETURN(
      d.q, gpu.allocate<uint16_t>(size_t(s.numTokens()) * s.heads * s.headDim));
  LLMC_ASSIGN_OR_RETURN(d.kCache, gpu.allocate<uint16_t>(s.poolElements()));
  LLMC_ASSIGN_OR_RETURN(d.vCache, gpu.allocate<uint16_t>(s.poolElements()));
  LLMC_RETURN_IF_ERROR(d.q.fill(0xFF));
  LLMC_RETURN_IF_ERROR(d.kCache.fill(0xFF));
  LLMC_RETURN_IF_ERROR(d.vCache.fill(0xFF));
  return d;
}

QkvFamilyInputs makeQkvFamilyInputs(const PagedKvScenario &scenario, bool bias,
                                    bool headNorm, uint64_t seed) {
  QkvFamilyInputs inputs;
  if (bias)
    inputs.bias = roundedToBf16(
        randomUniform(size_t(scenario.qkvColumns()), seed, -1.0f, 1.0f));
  if (headNorm) {
    inputs.qNorm = roundedToBf16(
        randomUniform(size_t(scenario.headDim), seed + 1, 0.5f, 1.5f));
    inputs.kNorm = roundedToBf16(
        randomUniform(size_t(scenario.headDim), seed + 2, 0.5f, 1.5f));
  }
  return inputs;
}

std::vector<float> applyQkvFamily(const PagedKvScenario &s,
                                  std::vector<float> qkv,
                                  const QkvFamilyInputs &inputs) {
  const int T = s.numTokens(), columns = s.qkvColumns();
  if (!inputs.bias.empty())
    ref::addBias(qkv.data(), inputs.bias.data(), T, columns);
  if (inputs.qNorm.empty())
    return qkv;
  for (int t = 0; t < T; ++t) {
    float *row = qkv.data() + size_t(t) * columns;
    ref::headRmsNorm(row, inputs.qNorm.data(), 1, s.heads, s.headDim,
                     inputs.normEps);
    ref::headRmsNorm(row + s.heads * s.headDim, inputs.kNorm.data(), 1,
                     s.kvHeads, s.headDim, inputs.normEps);
  }
  return qkv;
}

void QkvFamilyDevice::fill(RopeKvParamsArg &params) const {
  params.bias = bias.count() ? bias.pointer() : 0;
  params.qNorm = qNorm.count() ? qNorm.pointer() : 0;
  params.kNorm = kNorm.count() ? kNorm.pointer() : 0;
  params.normEps = normEps;
}

StatusOr<QkvFamilyDevice> uploadQkvFamily(const GpuContext &gpu,
                                          const QkvFamilyInputs &inputs) {
  QkvFamilyDevice d;
  if (!inputs.bias.empty()) {
    LLMC_ASSIGN_OR_RETURN(d.bias, gpu.uploadBf16(inputs.bias));
  }
  if (!inputs.qNorm.empty()) {
    LLMC_ASSIGN_OR_RETURN(d.qNorm, gpu.uploadBf16(inputs.qNorm));
    LLMC_ASSIGN_OR_RETURN(d.kNorm, gpu.uploadBf16(inputs.kNorm));
    d.normEps = inputs.normEps;
  }
  return d;
}

std::vector<float> testInverseFrequencies(int headDim, bool llama3) {
  RopeScaling scaling;
  if (llama3) {
    scaling.kind = RopeScaling::Kind::Llama3;
    scaling.factor = 8.0;
    scaling.lowFreqFactor = 1.0;
    scaling.highFreqFactor = 4.0;
    scaling.originalMaxPositionEmbeddings = 8192;
  }
  return ref::ropeInverseFrequencies(headDim, llama3 ? 500000.0 : 10000.0,
                                     scaling);
}

} // namespace llmc::gputest
