// Gemv.cuh: the decode projection, a weight-streaming GEMV / skinny GEMM for
// a handful of token rows (T = 1..16).
//
//   out[t, n] = epilogue( sum_k x[t, k] * W[n, k] )   x bf16 [T, K], W bf16 [N,
//   K]
//
// Decode is bound by reading W once: every weight element is loaded exactly
// once per launch, with 128-bit loads, and used for all T rows while it sits
// in registers. A block owns TileN consecutive output columns (weight rows);
// each warp takes RowsPerWarp of them at a time, its lanes split K in 8-element
// vectors, and a warp reduction finishes each dot product. The block's fp32
// results for all T rows go to a shared-memory tile that the epilogue policy
// (Epilogues.cuh) turns into outputs, so SwiGLU, RoPE and the KV-cache write
// fuse here exactly as in the prefill GEMM.
//
// A block that owns few rows splits K as well (KSplit > 1): a set of KSplit
// warps shares each row group, its KSplit x 32 lanes striding through K
// together 8 elements at a time, and the warps' partial tiles are summed in
// warp order (so the result does not depend on timing). Few rows per block give
// the grid thousands of blocks, each with many loads in flight; that, not the
// arithmetic, is what streams a 4096-row weight at full bandwidth.
//
// x is small (T * K * 2 bytes) and is re-read by every warp from L1/L2, not
// from device memory. T larger than MaxT is handled in chunks of MaxT rows
// (re-reading W per chunk; the compiler picks MaxT >= T for decode).
//
// Paired tiles (PairSpan S > 0) serve epilogues that combine columns c and
// c + S of each 2S-column group: half-split RoPE, whose pairs are (i, i +
// head_dim / 2). A block then owns TileN / 2 such pairs instead of TileN
// consecutive columns, so a narrow tile (many blocks) still holds both
// elements of every pair; the epilogue's applyPairs receives the first
// elements in tile columns [0, TileN / 2) and the second ones after them.
#pragma once

#include "Common.cuh"
#include "Epilogues.cuh"

namespace llmc {
namespace kernels {

/// GEMV / skinny GEMM with a fused epilogue.
///   N, K         weight shape W[N, K] (N = epilogue input columns)
///   MaxT         token rows per pass (registers per thread grow with it)
///   Warps        warps per block
///   RowsPerWarp  weight rows a warp streams at once (in-flight loads)
///   TileN        weight rows per block; a multiple of RowsPerWarp
///   Epilogue     turns the block's fp32 tile into outputs (Epilogues.cuh)
///   PairSpan     0: the block's rows are consecutive columns; S > 0: they
///                are TileN / 2 pairs (c, c + S), which S / (TileN / 2)
///                blocks of each 2S-column group share
///   KSplit       warps that share one row group, each summing a slice of K
///                (1: a warp owns its rows' whole dot products)
/// Arguments: x bf16 [T, K], w bf16 [N, K], T, the epilogue's Params.
/// Launch: grid (ceilDiv(N, TileN)), block (kThreads), no dynamic shared
/// memory (the tile, kSharedBytes, is static).
template <int N, int K, int MaxT, int Warps, int RowsPerWarp, int TileN,
          class Epilogue, int PairSpan = 0, int KSplit = 1>
struct Gemv {
  static_assert(K % kBf16PerVector == 0, "K must be a multiple of 8");
  static_assert(TileN % RowsPerWarp == 0,
                "a block's rows split evenly into warp groups");
  static_assert(PairSpan == 0 || (N % (2 * PairSpan) == 0 &&
                                  (TileN / 2) % RowsPerWarp == 0 &&
                                  PairSpan % (TileN / 2) == 0),
                "a paired tile's pairs lie in one column group, and its warp "
                "groups do not straddle the two halves");
  static_assert(MaxT >= 1 && MaxT <= 32, "MaxT is 1..32");
  static_assert(KSplit >= 1 && Warps % KSplit == 0,
                "the warps form whole sets of KSplit");
  static constexpr int kThreads = Warps * 32;
  static constexpr int kGroups = TileN / RowsPerWarp;
  /// Warp sets: KSplit warps each, one row group per set at a time.
  static constexpr int kWarpSets = Warps / KSplit;
  static constexpr int kTileLd = TileN;
  static constexpr int kTileFloats = MaxT * kTileLd;
  /// One partial tile per warp of a set; the first becomes the sum.
  static constexpr int kSharedBytes = KSplit * kTileFloats * 4;
  static constexpr int kGridX = ceilDiv(N, TileN);
  /// Elements of K one warp step covers (32 lanes x 8).
  static constexpr int kWarpStep = 32 * kBf16PerVector;
  /// Elements of K a warp set covers per step.
  static constexpr int kSetStep = KSplit * kWarpStep;
  /// Bytes of each weight row prefetchWeights asks the L2 for: the first two
  /// set steps of bf16 (dotGroup unrolls by two), or the whole row.
  static constexpr int kPrefetchBytes =
      (2 * kSetStep < K ? 2 * kSetStep : K) * 2;

  /// Starts the first weight loads of this block's rows into the L2. Weights
  /// depend on no kernel, so under programmatic launch this overlaps the
  /// previous kernel's tail (its wait comes after).
  __device__ static void prefetchWeights(const bf16 *w) {
    constexpr int kLines = ceilDiv(kPrefetchBytes, 128);
    const int rowsValid = validRows();
    for (int i = threadIdx.x; i < TileN * kLines; i += kThreads) {
      const int local = i / kLines;
      if (local < rowsValid)
        prefetchL2(w + static_cast<long long>(column(local)) * K +
                   (i % kLines) * 64);
    }
  }

  __device__ static void run(const bf16 *x, const bf16 *w, int numTokens,
                             const typename Epilogue::Params &params) {
    __shared__ float tile[KSplit * kTileFloats];
    const int n0 = blockIdx.x * TileN;
    const int nValid = validRows();
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int set = warp / KSplit, slice = warp % KSplit;
    float *partial = tile + slice * kTileFloats;

    for (int m0 = 0; m0 < numTokens; m0 += MaxT) {
      const int rows = min(MaxT, numTokens - m0);
      const bf16 *xChunk = x + static_cast<long long>(m0) * K;
      for (int g = set; g < kGroups; g += kWarpSets) {
        const int r0 = g * RowsPerWarp;
        if (r0 >= nValid)
          break; // warp-uniform; later groups are further out
        float acc[RowsPerWarp][MaxT];
        dotGroup(xChunk, w, rows, r0, nValid - r0, slice, lane, acc);
#pragma unroll
        for (int r = 0; r < RowsPerWarp; ++r)
#pragma unroll
          for (int t = 0; t < MaxT; ++t) {
            float sum = warpReduceSum(acc[r][t]);
            if (lane == 0 && t < rows)
              partial[t * kTileLd + r0 + r] = sum;
          }
      }
      __syncthreads();
      if constexpr (KSplit > 1) {
        for (int i = threadIdx.x; i < rows * kTileLd; i += kThreads) {
          float sum = tile[i];
#pragma unroll
          for (int s = 1; s < KSplit; ++s)
            sum += tile[s * kTileFloats + i];
          tile[i] = sum;
        }
        __syncthreads();
      }
      if constexpr (PairSpan > 0)
        Epilogue::template applyPairs<kThreads, MaxT, TileN / 2>(
            params, tile, kTileLd, m0, rows, blockIdx.x * (TileN / 2));
      else
        Epilogue::template apply<kThreads, MaxT, TileN>(params, tile, kTileLd,
                                                        m0, rows, n0, nValid);
      __syncthreads(); // the next chunk overwrites the tile
    }
  }

private:
  /// The weight row (output column) of this block's tile row `local`.
  __device__ static int column(int local) {
    if constexpr (PairSpan == 0) {
      return blockIdx.x * TileN + local;
    } else {
      constexpr int kTilePairs = TileN / 2;
      const int pair = blockIdx.x * kTilePairs + local % kTilePairs;
      const int first = pair / PairSpan * 2 * PairSpan + pair % PairSpan;
      return local < kTilePairs ? first : first + PairSpan;
    }
  }

  /// Tile rows [0, validRows()) have a weight row: all of a paired tile,
  /// and all but the last block's overhang otherwise.
  __device__ static int validRows() {
    return PairSpan > 0 ? TileN : min(TileN, N - int(blockIdx.x) * TileN);
  }

  /// This lane's partial dot products of the tile's rows [row0, row0 +
  /// RowsPerWarp) with the `rows` token rows of x, over K slice `slice` of
  /// the warp set; rows at or past `rowsValid` (relative to row0) are not
  /// loaded.
  __device__ static void dotGroup(const bf16 *x, const bf16 *w, int rows,
                                  int row0, int rowsValid, int slice, int lane,
                                  float (&acc)[RowsPerWarp][MaxT]) {
#pragma unroll
    for (int r = 0; r < RowsPerWarp; ++r)
#pragma unroll
      for (int t = 0; t < MaxT; ++t)
        acc[r][t] = 0.0f;
    const bf16 *wRow[RowsPerWarp];
#pragma unroll
    for (int r = 0; r < RowsPerWarp; ++r)
      // Rows past N read row0 instead (valid memory); their sums are dropped.
      wRow[r] =
          w +
          static_cast<long long>(column(row0 + (r < rowsValid ? r : 0))) * K;

#pragma unroll 2
    for (int k = (slice * 32 + lane) * kBf16PerVector; k < K; k += kSetStep) {
      float wv[RowsPerWarp][kBf16PerVector];
#pragma unroll
      for (int r = 0; r < RowsPerWarp; ++r)
        unpackVector(loadVector(wRow[r] + k), wv[r]);
#pragma unroll
      for (int t = 0; t < MaxT; ++t) {
        if (t >= rows)
          break;
        float xv[kBf16PerVector];
        unpackVector(loadVector(x + static_cast<long long>(t) * K + k), xv);
#pragma unroll
        for (int r = 0; r < RowsPerWarp; ++r)
#pragma unroll
          for (int i = 0; i < kBf16PerVector; ++i)
            acc[r][t] = fmaf(wv[r][i], xv[i], acc[r][t]);
      }
    }
  }
};

} // namespace kernels
} // namespace llmc
