// RmsNorm.cuh: RMSNorm, and the fused residual add + RMSNorm that opens every
// transformer sub-block after the first.
//
//   RmsNorm:     out = x / sqrt(mean(x^2) + eps) * weight
//   AddRmsNorm:  residual += x; out = RmsNorm(residual)
//
// One block per token row. The row stays in registers between the statistics
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
#pragma unroll
    for (int v = 0; v < row.kVectors; ++v)
      if (row.owns(v))
        unpackVector(loadVector(x + rowOffset + row.column(v)), row.values[v]);
    float sum = blockReduceSum<Threads>(row.sumOfSquares(), scratch);
    float inverseRms = 1.0f / sqrtf(sum / Dim + eps);
    row.storeNormalized(out + rowOffset, weight, inverseRms);
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
    float sum = blockReduceSum<Threads>(row.sumOfSquares(), scratch);
    float inverseRms = 1.0f / sqrtf(sum / Dim + eps);
    row.storeNormalized(out + rowOffset, weight, inverseRms);
  }
};

} // namespace kernels
} // namespace llmc
