// Epilogues.cuh: what a projection kernel (Gemv.cuh, GemmMma.cuh) does with
// its fp32 accumulators, as template policies shared by both.
//
// Both kernels end the same way: the block's output tile of fp32 accumulators
// is staged in shared memory, the block synchronizes, and the epilogue's
// apply() reads the tile and writes the outputs. Staging lets an epilogue
// combine columns that different threads accumulated: SwiGLU pairs gate and up
// columns 2i and 2i + 1, RoPE pairs the two halves of a head.
//
// The interface every epilogue implements:
//
//   struct Params { ... };                   // passed to the kernel
//   template <int Threads, int TileM, int TileN>
//   __device__ static void apply(const Params &params, const float *tile,
//                                int ld, int m0, int mValid, int n0,
//                                int nValid);
//
//   tile[m * ld + n] (m < mValid, n < nValid) is the accumulator of output
//   element (row m0 + m, column n0 + n); rows are tokens, columns the N output
//   features of the weight W[N, K]. All Threads threads call apply, after a
//   barrier; the tile is read only.
#pragma once

#include "Common.cuh"
#include "Rope.cuh"

namespace llmc {
namespace kernels {

/// out bf16 [T, N] = acc.
template <int N> struct StoreBf16Epilogue {
  struct Params {
    bf16 *out;
  };
  template <int Threads, int TileM, int TileN>
  __device__ static void apply(const Params &p, const float *tile, int ld,
                               int m0, int mValid, int n0, int nValid) {
    for (int idx = threadIdx.x; idx < mValid * TileN; idx += Threads) {
      const int m = idx / TileN, n = idx % TileN;
      if (n < nValid)
        p.out[static_cast<long long>(m0 + m) * N + n0 + n] =
            floatToBf16(tile[m * ld + n]);
    }
  }
};

/// out fp32 [T, N] = acc (the logits).
template <int N> struct StoreF32Epilogue {
  struct Params {
    float *out;
  };
  template <int Threads, int TileM, int TileN>
  __device__ static void apply(const Params &p, const float *tile, int ld,
                               int m0, int mValid, int n0, int nValid) {
    for (int idx = threadIdx.x; idx < mValid * TileN; idx += Threads) {
      const int m = idx / TileN, n = idx % TileN;
      if (n < nValid)
        p.out[static_cast<long long>(m0 + m) * N + n0 + n] = tile[m * ld + n];
    }
  }
};

/// out bf16 [T, N] = residual + acc, added in fp32 and rounded once. `out`
/// may be `residual` (the residual stream updated in place): each element is
/// read and written by the same thread.
template <int N> struct ResidualAddEpilogue {
  struct Params {
    const bf16 *residual;
    bf16 *out;
  };
  template <int Threads, int TileM, int TileN>
  __device__ static void apply(const Params &p, const float *tile, int ld,
                               int m0, int mValid, int n0, int nValid) {
    for (int idx = threadIdx.x; idx < mValid * TileN; idx += Threads) {
      const int m = idx / TileN, n = idx % TileN;
      if (n >= nValid)
        continue;
      const long long o = static_cast<long long>(m0 + m) * N + n0 + n;
      p.out[o] = floatToBf16(bf16ToFloat(p.residual[o]) + tile[m * ld + n]);
    }
  }
};

/// SwiGLU over the interleaved gate/up projection: columns 2i (gate i) and
/// 2i + 1 (up i) give out bf16 [T, N / 2] column i = silu(gate) * up, in fp32
/// and rounded once.
template <int N> struct SwiGluEpilogue {
  static_assert(N % 2 == 0, "the gate/up projection has 2 * ffn rows");
  static constexpr int kOutColumns = N / 2;
  struct Params {
    bf16 *out;
  };
  template <int Threads, int TileM, int TileN>
  __device__ static void apply(const Params &p, const float *tile, int ld,
                               int m0, int mValid, int n0, int nValid) {
    static_assert(TileN % 2 == 0, "a tile must hold whole gate/up pairs");
    constexpr int kPairs = TileN / 2;
    for (int idx = threadIdx.x; idx < mValid * kPairs; idx += Threads) {
      const int m = idx / kPairs, j = idx % kPairs;
      if (2 * j >= nValid)
        continue;
      const float gate = tile[m * ld + 2 * j];
      const float up = tile[m * ld + 2 * j + 1];
      const float silu = gate / (1.0f + expf(-gate));
      p.out[static_cast<long long>(m0 + m) * kOutColumns + n0 / 2 + j] =
          floatToBf16(silu * up);
    }
  }
};

/// RoPE + paged KV-cache write for the merged QKV projection
/// (N = (Heads + 2 * KvHeads) * HeadDim columns): the bias added when
/// params.bias is set, then (HeadNorm) q and k heads RMS-normalized, q heads
/// rotated into params.q, k heads rotated and v heads copied into the caches
/// (RopeKvWriter in Rope.cuh). A tile must hold both elements of every pair
/// it touches: whole heads for the half-split layout and for HeadNorm (the
/// norm reads the whole head), even column counts for the interleaved one.
template <int Heads, int KvHeads, int HeadDim, int BlockSize, RopeLayout Layout,
          bool HeadNorm = false>
struct RopeKvWriteEpilogue {
  using Writer =
      RopeKvWriter<Heads, KvHeads, HeadDim, BlockSize, Layout, HeadNorm>;
  using Pairs = typename Writer::Pairs;
  static constexpr int kColumns = Writer::kColumns;
  using Params = RopeKvParams;

  template <int Threads, int TileM, int TileN>
  __device__ static void apply(const Params &p, const float *tile, int ld,
                               int m0, int mValid, int n0, int nValid) {
    static_assert(Layout == RopeLayout::Interleaved && !HeadNorm
                      ? TileN % 2 == 0
                      : TileN % HeadDim == 0,
                  "the tile must hold both elements of each RoPE pair, and "
                  "the head norm whole heads: whole heads (half-split, head "
                  "norm) or even column counts (interleaved)");
    if (HeadNorm) {
      // One warp per (row, head) of the tile, which starts on a head.
      static_assert(Threads % 32 == 0, "the head norm gives a head a warp");
      constexpr int kTileHeads = TileN / HeadDim;
      for (int u = threadIdx.x / 32; u < mValid * kTileHeads;
           u += Threads / 32) {
        const int m = u / kTileHeads, local = (u % kTileHeads) * HeadDim;
        if (local >= nValid)
          continue;
        Writer::writeHead(p, m0 + m, (n0 + local) / HeadDim,
                          tile + m * ld + local, 1);
      }
      return;
    }
    constexpr int kTilePairs = TileN / 2;
    for (int idx = threadIdx.x; idx < mValid * kTilePairs; idx += Threads) {
      const int m = idx / kTilePairs, j = idx % kTilePairs;
      // Local pair j -> (head, pair index i) in global columns. Interleaved:
      // columns n0 + 2j, n0 + 2j + 1. Half-split: the tile starts on a head,
      // and pair j is pair (j % HeadDim/2) of the tile's head j / (HeadDim/2).
      int head, i;
      if (Layout == RopeLayout::Interleaved) {
        const int column = n0 + 2 * j;
        head = column / HeadDim;
        i = (column % HeadDim) / 2;
      } else {
        head = n0 / HeadDim + j / Pairs::kPairs;
        i = j % Pairs::kPairs;
      }
      const int local = head * HeadDim - n0;
      const int c0 = local + Pairs::first(i), c1 = local + Pairs::second(i);
      if (c1 >= nValid)
        continue;
      Writer::writePair(p, m0 + m, head, i, tile[m * ld + c0],
                        tile[m * ld + c1]);
    }
  }

  /// For a paired tile (Gemv's PairSpan, half-split layout): tile column j
  /// holds element Pairs::first(i) and column TilePairs + j element
  /// Pairs::second(i) of the row's pair pair0 + j (head-major pair index).
  template <int Threads, int TileM, int TilePairs>
  __device__ static void applyPairs(const Params &p, const float *tile, int ld,
                                    int m0, int mValid, int pair0) {
    static_assert(Layout == RopeLayout::HalfSplit && !HeadNorm,
                  "paired tiles serve the half-split layout without a head "
                  "norm (which needs whole heads)");
    for (int idx = threadIdx.x; idx < mValid * TilePairs; idx += Threads) {
      const int m = idx / TilePairs, j = idx % TilePairs;
      const int pair = pair0 + j;
      Writer::writePair(p, m0 + m, pair / Pairs::kPairs, pair % Pairs::kPairs,
                        tile[m * ld + j], tile[m * ld + TilePairs + j]);
    }
  }
};

} // namespace kernels
} // namespace llmc
