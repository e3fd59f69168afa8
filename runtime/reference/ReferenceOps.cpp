// fp32 reference kernels of the llm-dialect ops (everything but sampling, which
// lives in Sampling.cpp).
//
// Dot products use eight interleaved float partial sums combined pairwise: the
// rounding error grows far more slowly than with one running sum, the order is
// fixed (so threaded and single-threaded runs agree bit for bit), and the
// compiler turns the eight lanes into SIMD registers without -ffast-math.
#include "runtime/reference/ReferenceOps.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>

namespace llmc::ref {

/// sum_i a[i] * b[i] in a fixed order (see the file comment).
static float dot(const float *a, const float *b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j)
      acc[j] += a[i + j] * b[i + j];
  for (int j = 0; i < n; ++i, ++j)
    acc[j] += a[i] * b[i];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
         ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

void embed(const float *table, int64_t vocab, int64_t dim,
           const int32_t *tokens, int64_t numTokens, float *out) {
  for (int64_t t = 0; t < numTokens; ++t) {
    assert(tokens[t] >= 0 && tokens[t] < vocab && "token id out of range");
    std::memcpy(out + t * dim, table + int64_t(tokens[t]) * dim,
                size_t(dim) * sizeof(float));
  }
}

void rmsNorm(const float *x, const float *weight, int64_t numTokens,
             int64_t dim, float eps, float *out) {
  for (int64_t t = 0; t < numTokens; ++t) {
    const float *row = x + t * dim;
    // Squares of activations span many magnitudes; a double sum is cheap here.
    double sumSquares = 0.0;
    for (int64_t i = 0; i < dim; ++i)
      sumSquares += double(row[i]) * double(row[i]);
    float invRms = float(1.0 / std::sqrt(sumSquares / double(dim) + eps));
    for (int64_t i = 0; i < dim; ++i)
      out[t * dim + i] = row[i] * invRms * weight[i];
  }
}

void linear(const float *x, const float *w, int64_t numTokens, int64_t inDim,
            int64_t outDim, float *out, ThreadPool *pool) {
  // Each chunk owns a range of output features, i.e. of weight rows: every
  // weight row is read from memory once and reused for all tokens while it is
  // in cache.
  auto rows = [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) {
      const float *wRow = w + n * inDim;
      for (int64_t t = 0; t < numTokens; ++t)
        out[t * outDim + n] = dot(x + t * inDim, wRow, inDim);
    }
  };
  if (pool)
    pool->parallelFor(outDim, rows);
  else
    rows(0, outDim);
}

void addBias(float *x, const float *bias, int64_t numTokens, int64_t dim) {
  for (int64_t t = 0; t < numTokens; ++t)
    for (int64_t i = 0; i < dim; ++i)
      x[t * dim + i] += bias[i];
}

void headRmsNorm(float *x, const float *weight, int64_t numTokens,
                 int64_t numHeads, int64_t headDim, float eps) {
  // A head is a row of headDim; rmsNorm reads each row before writing it.
  rmsNorm(x, weight, numTokens * numHeads, headDim, eps, x);
}

std::vector<float> ropeInverseFrequencies(int64_t headDim, double theta,
                                          const RopeScaling &scaling) {
  assert(headDim > 0 && headDim % 2 == 0 && "RoPE needs an even head_dim");
  const double pi = 3.14159265358979323846;
  std::vector<float> result(size_t(headDim / 2));
  for (int64_t i = 0; i < headDim / 2; ++i) {
    double freq = std::pow(theta, -2.0 * double(i) / double(headDim));
    if (scaling.kind == RopeScaling::Kind::Llama3) {
      // Llama 3.1: wavelengths longer than the original context / lowFreqFactor
      // are stretched by `factor`, shorter than original / highFreqFactor are
      // kept, and the band between blends the two linearly in 1/wavelength.
      double original = double(scaling.originalMaxPositionEmbeddings);
      double lowFreqWavelen = original / scaling.lowFreqFactor;
      double highFreqWavelen = original / scaling.highFreqFactor;
      double wavelen = 2.0 * pi / freq;
      if (wavelen > lowFreqWavelen) {
        freq = freq / scaling.factor;
      } else if (wavelen >= highFreqWavelen &&
                 scaling.highFreqFactor != scaling.lowFreqFactor) {
        double smooth = (original / wavelen - scaling.lowFreqFactor) /
                        (scaling.highFreqFactor - scaling.lowFreqFactor);
        freq = (1.0 - smooth) * freq / scaling.factor + smooth * freq;
      }
    }
    result[size_t(i)] = float(freq);
  }
  return result;
}

void rope(float *x, const int32_t *positions, int64_t numTokens,
          int64_t numHeads, int64_t headDim,
          const std::vector<float> &inverseFrequencies, RopeStyle style) {
  const int64_t half = headDim / 2;
  assert(int64_t(inverseFrequencies.size()) == half);
  std::vector<float> cosines(static_cast<size_t>(half));
  std::vector<float> sines(static_cast<size_t>(half));
  for (int64_t t = 0; t < numTokens; ++t) {
    // The angle is formed in double: position * frequency reaches thousands of
    // radians in long contexts, where a float angle would lose the phase.
    for (int64_t i = 0; i < half; ++i) {
      double angle = double(positions[t]) * double(inverseFrequencies[i]);
      cosines[size_t(i)] = float(std::cos(angle));
      sines[size_t(i)] = float(std::sin(angle));
    }
    for (int64_t h = 0; h < numHeads; ++h) {
      float *head = x + (t * numHeads + h) * headDim;
      for (int64_t i = 0; i < half; ++i) {
        // The pair rotated by frequency i.
        float &a = style == RopeStyle::Interleaved ? head[2 * i] : head[i];
        float &b =
            style == RopeStyle::Interleaved ? head[2 * i + 1] : head[i + half];
        float c = cosines[size_t(i)], s = sines[size_t(i)];
        float a0 = a, b0 = b;
        a = a0 * c - b0 * s;
        b = a0 * s + b0 * c;
      }
    }
  }
}

void attention(const float *q, const KvCache &cache, int64_t layer,
               const int32_t *positions, int64_t numTokens, int64_t numHeads,
               float scale, float *out, ThreadPool *pool, int64_t window) {
  const int64_t headDim = cache.headDim();
  const int64_t numKvHeads = cache.numKvHeads();
  assert(numHeads % numKvHeads == 0 && "query heads must group evenly");
  const int64_t group = numHeads / numKvHeads;
  const int64_t qStride = numHeads * headDim;
  const int64_t kvStride = cache.rowSize();
  // Rows of one layer are contiguous in position (KvCache's layout).
  const float *keys = cache.k(layer, 0);
  const float *values = cache.v(layer, 0);

  // Work item i is (head i / T, token i % T): contiguous chunks then hold whole
  // heads, so causal rows of very different lengths spread evenly over threads.
  auto items = [&](int64_t begin, int64_t end) {
    std::vector<float> weights;
    for (int64_t i = begin; i < end; ++i) {
      const int64_t h = i / numTokens, t = i % numTokens;
      const int64_t kvOffset = (h / group) * headDim;
      const float *qHead = q + t * qStride + h * headDim;
      const int64_t end = int64_t(positions[t]) + 1;
      assert(end <= cache.maxSeqLen());
      // The first position the query sees: (position - window, position].
      const int64_t first = window > 0 ? std::max<int64_t>(0, end - window) : 0;
      const int64_t length = end - first;
      const float *windowKeys = keys + first * kvStride;
      const float *windowValues = values + first * kvStride;

      weights.resize(size_t(length));
      float maxScore = -std::numeric_limits<float>::infinity();
      for (int64_t p = 0; p < length; ++p) {
        float s =
            dot(qHead, windowKeys + p * kvStride + kvOffset, headDim) * scale;
        weights[size_t(p)] = s;
        maxScore = std::max(maxScore, s);
      }
      // Subtracting the maximum keeps exp() in range for any logit magnitude.
      double sum = 0.0;
      for (int64_t p = 0; p < length; ++p) {
        float e = std::exp(weights[size_t(p)] - maxScore);
        weights[size_t(p)] = e;
        sum += e;
      }
      const float invSum = float(1.0 / sum);

      float *o = out + t * qStride + h * headDim;
      std::fill(o, o + headDim, 0.0f);
      for (int64_t p = 0; p < length; ++p) {
        const float wgt = weights[size_t(p)] * invSum;
        const float *v = windowValues + p * kvStride + kvOffset;
        for (int64_t d = 0; d < headDim; ++d)
          o[d] += wgt * v[d];
      }
    }
  };
  if (pool)
    pool->parallelFor(numHeads * numTokens, items);
  else
    items(0, numHeads * numTokens);
}

void swiglu(const float *gate, const float *up, int64_t n, float *out) {
  for (int64_t i = 0; i < n; ++i) {
    float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void add(const float *a, const float *b, int64_t n, float *out) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = a[i] + b[i];
}

} // namespace llmc::ref
