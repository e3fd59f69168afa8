// RmsNorm.cuh: RMSNorm, the fused residual add + RMSNorm that opens every
// transformer sub-block after the first, and the gathering RMSNorm that feeds
// the logits projection of a prefill step.
//
//   RmsNorm:        out = x / sqrt(mean(x^2) + eps) * weight
//   AddRmsNorm:     residual += x; out = RmsNorm(residual)
//   RmsNormGather:  out[s] = RmsNorm(x[rowIndex[s]]), a zero row where
//                   rowIndex[s] < 0
//
// One block per output row. The row stays in registers between the statistics
// pass and the scaling pass, so x (or the residual) is read from memory once.
// Statistics are fp32. The fused variant normalizes the residual as stored,
// i.e. after rounding to bf16, so it computes exactly what the unfused pair
// (add, then RmsNorm of the stored residual) computes.
#pragma once

#include "Common.cuh"

namespace llmc {
namespace kernels {

namespace detail {

/// The per-thread share of a Dim-wide row held as floats in registers:
/// vector v of the thread is row vector threadIdx.x + v * Threads.
template <int Dim, int Threads> struct RowSlice {
  static_assert(Dim % kBf16PerVector == 0, "Dim must be a multiple of 8");
  static constexpr int kRowVectors = Dim / kBf16PerVector;
  static constexpr int kVectors = ceilDiv(kRowVectors, Threads);

  float values[kVectors][kBf16PerVector];

  __device__ static bool owns(int v) {
    return threadIdx.x + v * Threads < kRowVectors;
  }
  __device__ static int column(int v) {
    return (threadIdx.x + v * Threads) * kBf16PerVector;
  }

  /// Reads the Dim values of `row` (bf16, not written by this kernel).
  __device__ void load(const bf16 *row) {
#pragma unroll
    for (int v = 0; v < kVectors; ++v)
      if (owns(v))
        unpackVector(loadVector(row + column(v)), values[v]);
  }

  __device__ float sumOfSquares() const {
    float sum = 0.0f;
#pragma unroll
    for (int v = 0; v < kVectors; ++v)
      if (owns(v))
#pragma unroll
        for (int i = 0; i < kBf16PerVector; ++i)
          sum += values[v][i] * values[v][i];
    return sum;
  }

  /// out[c] = values[c] * inverseRms * weight[c], rounded to bf16.
  __device__ void storeNormalized(bf16 *out, const bf16 *weight,
                                  float inverseRms) const {
#pragma unroll
    for (int v = 0; v < kVectors; ++v) {
      if (!owns(v))
        continue;
      float w[kBf16PerVector], y[kBf16PerVector];
      unpackVector(loadVector(weight + column(v)), w);
#pragma unroll
      for (int i = 0; i < kBf16PerVector; ++i)
        y[i] = values[v][i] * inverseRms * w[i];
      storeVector(out + column(v), packVector(y));
    }
  }

  /// out = values / sqrt(mean(values^2) + eps) * weight, rounded to bf16.
  /// Every thread of the block must call it (a block reduction); `scratch`
  /// is 32 shared floats.
  __device__ void storeRmsNormalized(bf16 *out, const bf16 *weight, float eps,
                                     float *scratch) const {
    const float sum = blockReduceSum<Threads>(sumOfSquares(), scratch);
    const float inverseRms = 1.0f / sqrtf(sum / Dim + eps);
    storeNormalized(out, weight, inverseRms);
  }

  /// Writes Dim zeros (+0.0 in bf16) to `out`.
  __device__ static void storeZeros(bf16 *out) {
    const uint4 zeros = {0u, 0u, 0u, 0u};
#pragma unroll
    for (int v = 0; v < kVectors; ++v)
      if (owns(v))
        storeVector(out + column(v), zeros);
  }
};

} // namespace detail

/// RMSNorm of each row.
///   x      bf16 [T, Dim]
///   weight bf16 [Dim]
///   out    bf16 [T, Dim] (may not alias x)
/// Launch: grid (T), block (Threads), no dynamic shared memory.
template <int Dim, int Threads> struct RmsNorm {
  static constexpr int kThreads = Threads;

  __device__ static void run(const bf16 *x, const bf16 *weight, bf16 *out,
                             float eps, int numTokens) {
    __shared__ float scratch[32];
    const int t = blockIdx.x;
    if (t >= numTokens)
      return;
    const long long rowOffset = static_cast<long long>(t) * Dim;
    detail::RowSlice<Dim, Threads> row;
    row.load(x + rowOffset);
    row.storeRmsNormalized(out + rowOffset, weight, eps, scratch);
  }
};

/// RMSNorm of selected rows into a row-indexed output: the prefill step
/// normalizes only each sequence's last token, into the row of its slot,
/// before the logits projection (which then runs over slots, not tokens).
///   x        bf16 [T, Dim]
///   rowIndex int32 [numRows]: the row of x that out row s normalizes, each
///            < T; negative: out row s is zeros. Repeats are allowed.
///   weight   bf16 [Dim]
///   out      bf16 [numRows, Dim] (may not alias x)
/// Launch: grid (numRows), block (Threads), no dynamic shared memory. A row's
/// values are bit-identical to RmsNorm's output for the same x row.
template <int Dim, int Threads> struct RmsNormGather {
  static constexpr int kThreads = Threads;

  __device__ static void run(const bf16 *x, const int *rowIndex,
                             const bf16 *weight, bf16 *out, float eps,
                             int numRows) {
    __shared__ float scratch[32];
    const int s = blockIdx.x;
    if (s >= numRows)
      return;
    const int t = rowIndex[s];
    bf16 *outRow = out + static_cast<long long>(s) * Dim;
    using Row = detail::RowSlice<Dim, Threads>;
    // The whole block takes the same branch: no thread skips the reduction.
    if (t < 0) {
      Row::storeZeros(outRow);
      return;
    }
    Row row;
    row.load(x + static_cast<long long>(t) * Dim);
    row.storeRmsNormalized(outRow, weight, eps, scratch);
  }
};

/// Residual add followed by RMSNorm of the new residual.
///   residual bf16 [T, Dim], updated in place: residual += x
///   x        bf16 [T, Dim] (the sub-block's output)
///   weight   bf16 [Dim]
///   out      bf16 [T, Dim] = RmsNorm(residual) (may not alias the others)
/// Launch: grid (T), block (Threads), no dynamic shared memory.
template <int Dim, int Threads> struct AddRmsNorm {
  static constexpr int kThreads = Threads;

  __device__ static void run(bf16 *residual, const bf16 *x, const bf16 *weight,
                             bf16 *out, float eps, int numTokens) {
    __shared__ float scratch[32];
    const int t = blockIdx.x;
    if (t >= numTokens)
      return;
    const long long rowOffset = static_cast<long long>(t) * Dim;
    detail::RowSlice<Dim, Threads> row;
#pragma unroll
    for (int v = 0; v < row.kVectors; ++v) {
      if (!row.owns(v))
        continue;
      float r[kBf16PerVector], d[kBf16PerVector];
      unpackVector(loadVectorCoherent(residual + rowOffset + row.column(v)), r);
      unpackVector(loadVector(x + rowOffset + row.column(v)), d);
#pragma unroll
      for (int i = 0; i < kBf16PerVector; ++i)
        r[i] += d[i];
      uint4 stored = packVector(r);
      storeVector(residual + rowOffset + row.column(v), stored);
      // Normalize what was stored (see the file comment).
      unpackVector(stored, row.values[v]);
    }
    row.storeRmsNormalized(out + rowOffset, weight, eps, scratch);
  }
};

} // namespace kernels
} // namespace llmc
