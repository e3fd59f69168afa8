// Rope.cuh: rotary position embedding (both pair layouts) and the paged
// KV-cache write of the merged QKV projection's output.
//
// The math lives here once and is used twice: by the standalone kernels below
// (for when the compiler does not fuse RoPE into the projection) and by the
// RopeKvWrite epilogue of the GEMV/GEMM (Epilogues.cuh).
//
// Angles. The CPU reference forms position * inv_freq in double. Here the same
// product is formed exactly in fp32 as hi + lo (lo = fma(p, f, -hi)); sincosf
// (the precise one, with full range reduction) of hi is then corrected to first
// order in lo. That matches the double angle to fp32 rounding even at positions
// in the hundred thousands, where a plain fp32 angle would be off by ~1e-2 rad.
#pragma once

#include "Common.cuh"

namespace llmc {
namespace kernels {

/// Which elements of a head rotate together (compiler/kernels/README.md).
enum class RopeLayout : int {
  Interleaved = 0, ///< pairs (2i, 2i + 1): llama2.c checkpoints
  HalfSplit = 1,   ///< pairs (i, i + head_dim / 2): Hugging Face checkpoints
};

/// Pair i (of HeadDim / 2) of a head: its two element indices.
template <int HeadDim, RopeLayout Layout> struct RopePairs {
  static_assert(HeadDim % 2 == 0, "head_dim must be even");
  static constexpr int kPairs = HeadDim / 2;
  __device__ __forceinline__ static int first(int i) {
    return Layout == RopeLayout::Interleaved ? 2 * i : i;
  }
  __device__ __forceinline__ static int second(int i) {
    return Layout == RopeLayout::Interleaved ? 2 * i + 1 : i + kPairs;
  }
};

/// cos and sin of position * inverseFrequency (see the file comment).
__device__ __forceinline__ void ropeCosSin(int position, float inverseFrequency,
                                           float &cosine, float &sine) {
  const float p = static_cast<float>(position); // exact below 2^24
  const float hi = p * inverseFrequency;
  const float lo = fmaf(p, inverseFrequency, -hi); // hi + lo == p * f exactly
  float s, c;
  sincosf(hi, &s, &c);
  cosine = c - lo * s;
  sine = s + lo * c;
}

/// Rotates the pair (a, b) by the angle whose cos and sin are given.
__device__ __forceinline__ void ropeRotate(float &a, float &b, float cosine,
                                           float sine) {
  const float a0 = a, b0 = b;
  a = a0 * cosine - b0 * sine;
  b = a0 * sine + b0 * cosine;
}

/// Everything the RoPE + KV-cache write needs besides the projection output.
/// Shared by the fused epilogue and the standalone RopeKvWriteKernel.
struct RopeKvParams {
  /// int32 [T]: token t's position in its sequence. A negative position marks
  /// a row with no sequence (an idle decode slot): its k/v are not written.
  const int *positions;
  /// int32 [T]: the block-table row (slot) of token t; null means row t, as in
  /// decode where row s is slot s.
  const int *tokenSlots;
  /// int32 [max_slots, maxBlocksPerSeq]; -1 marks an unmapped block, whose
  /// k/v are not written.
  const int *blockTables;
  int maxBlocksPerSeq;
  /// fp32 [head_dim / 2] (Llama 3 scaling already applied).
  const float *inverseFrequencies;
  /// bf16 [T, Heads * head_dim]: the rotated queries.
  bf16 *q;
  /// This layer's K and V pools, [num_blocks][KvHeads][BlockSize][head_dim]
  /// each (the pool pointer advanced by the layer; see PagedKvLayout).
  bf16 *kCache;
  bf16 *vCache;
  /// bf16 [(Heads + 2 * KvHeads) * head_dim]: the merged q/k/v bias (Qwen2),
  /// added to the projection before anything else; null: no bias.
  const bf16 *bias = nullptr;
  /// bf16 [head_dim] each: per-head RMSNorm scales of q and of k (Qwen3),
  /// applied after the bias and before RoPE with epsilon normEps. Both null
  /// (no norm) or both set; only read by writers instantiated with
  /// HeadNorm = true.
  const bf16 *qNorm = nullptr;
  const bf16 *kNorm = nullptr;
  float normEps = 0.0f;
};

/// Where one row of the merged projection [q heads | k heads | v heads] goes.
///   row layout: (Heads + 2 * KvHeads) heads of HeadDim columns
/// q heads are rotated into params.q; k heads are rotated and v heads copied
/// into the paged caches at the token's position. Before that, the bias (when
/// params.bias is set) is added to every column, and (HeadNorm) every q and k
/// head is RMS-normalized and scaled by params.qNorm / params.kNorm:
/// writeHead does the whole head, writePair one pair of an unnormalized head.
template <int Heads, int KvHeads, int HeadDim, int BlockSize, RopeLayout Layout,
          bool HeadNorm = false>
struct RopeKvWriter {
  static_assert(Heads % KvHeads == 0, "query heads must group evenly");
  using Pairs = RopePairs<HeadDim, Layout>;
  using Cache = PagedKvLayout<KvHeads, HeadDim, BlockSize>;
  static constexpr int kHeadsTotal = Heads + 2 * KvHeads;
  static constexpr int kColumns = kHeadsTotal * HeadDim;
  static constexpr int kPairsPerRow = kHeadsTotal * Pairs::kPairs;

  /// Cache element offset of token t, or -1 when its k/v are not stored.
  __device__ static long long cacheRowOffset(const RopeKvParams &p, int t,
                                             int kvHead) {
    const int position = p.positions[t];
    if (position < 0 || position / BlockSize >= p.maxBlocksPerSeq)
      return -1;
    const int slot = p.tokenSlots ? p.tokenSlots[t] : t;
    const int block = Cache::block(
        p.blockTables + static_cast<long long>(slot) * p.maxBlocksPerSeq,
        position);
    if (block < 0)
      return -1;
    return Cache::offset(block, kvHead, position % BlockSize);
  }

  /// Element e of head `head` of one projection row plus its bias.
  __device__ __forceinline__ static float biased(const RopeKvParams &p,
                                                 int head, int e, float x) {
    return p.bias ? x + bf16ToFloat(p.bias[head * HeadDim + e]) : x;
  }

  /// Handles pair i of head `head` (0 .. kHeadsTotal) of token t, whose two
  /// fp32 projection values (elements Pairs::first(i) and Pairs::second(i),
  /// bias not yet added) are a and b. Not for q/k heads when HeadNorm.
  __device__ static void writePair(const RopeKvParams &p, int t, int head,
                                   int i, float a, float b) {
    const int e0 = Pairs::first(i), e1 = Pairs::second(i);
    store(p, t, head, i, biased(p, head, e0, a), biased(p, head, e1, b));
  }

  /// Handles all of head `head` of token t with one warp (all 32 lanes call
  /// it): `row` points at the head's HeadDim fp32 projection values (bias not
  /// yet added), `stride` apart. With HeadNorm, q and k heads are normalized
  /// over the whole head before RoPE.
  __device__ static void writeHead(const RopeKvParams &p, int t, int head,
                                   const float *row, int stride) {
    const int lane = threadIdx.x % 32;
    float scale = 1.0f;
    const bf16 *weight = nullptr;
    if (HeadNorm && head < Heads + KvHeads) {
      float sumSquares = 0.0f;
      for (int e = lane; e < HeadDim; e += 32) {
        const float x = biased(p, head, e, row[e * stride]);
        sumSquares += x * x;
      }
      sumSquares = warpReduceSum(sumSquares);
      scale = rsqrtf(sumSquares / HeadDim + p.normEps);
      weight = head < Heads ? p.qNorm : p.kNorm;
    }
    for (int i = lane; i < Pairs::kPairs; i += 32) {
      const int e0 = Pairs::first(i), e1 = Pairs::second(i);
      float a = biased(p, head, e0, row[e0 * stride]);
      float b = biased(p, head, e1, row[e1 * stride]);
      if (weight) {
        a = a * scale * bf16ToFloat(weight[e0]);
        b = b * scale * bf16ToFloat(weight[e1]);
      }
      store(p, t, head, i, a, b);
    }
  }

private:
  /// Rotates (q and k heads) and stores pair i of head `head` of token t.
  __device__ static void store(const RopeKvParams &p, int t, int head, int i,
                               float a, float b) {
    const int e0 = Pairs::first(i), e1 = Pairs::second(i);
    if (head < Heads + KvHeads) {
      float c, s;
      ropeCosSin(p.positions[t], p.inverseFrequencies[i], c, s);
      ropeRotate(a, b, c, s);
    }
    if (head < Heads) {
      bf16 *row =
          p.q + static_cast<long long>(t) * (Heads * HeadDim) + head * HeadDim;
      row[e0] = floatToBf16(a);
      row[e1] = floatToBf16(b);
      return;
    }
    const bool isK = head < Heads + KvHeads;
    const int kvHead = isK ? head - Heads : head - Heads - KvHeads;
    const long long offset = cacheRowOffset(p, t, kvHead);
    if (offset < 0)
      return;
    bf16 *row = (isK ? p.kCache : p.vCache) + offset;
    row[e0] = floatToBf16(a);
    row[e1] = floatToBf16(b);
  }
};

/// Standalone RoPE + KV-cache write, for an unfused QKV projection.
///   qkv bf16 [T, (Heads + 2 * KvHeads) * HeadDim] (the projection output,
///   without its bias: params.bias is added here)
///   params: see RopeKvParams
/// Launch: grid (T), block (Threads), no dynamic shared memory. With HeadNorm
/// (q/k RMSNorm) Threads is a multiple of 32 (a warp per head) and the row is
/// staged as fp32 in static shared memory (kColumns floats: 24 KiB for
/// Qwen3-8B).
template <int Heads, int KvHeads, int HeadDim, int BlockSize, RopeLayout Layout,
          int Threads, bool HeadNorm = false>
struct RopeKvWriteKernel {
  using Writer =
      RopeKvWriter<Heads, KvHeads, HeadDim, BlockSize, Layout, HeadNorm>;
  using Pairs = typename Writer::Pairs;
  static constexpr int kThreads = Threads;
  static_assert(!HeadNorm || Threads % 32 == 0,
                "the head norm gives each head to one warp");

  __device__ static void run(const bf16 *qkv, const RopeKvParams &params,
                             int numTokens) {
    const int t = blockIdx.x;
    if (t >= numTokens)
      return;
    const bf16 *row = qkv + static_cast<long long>(t) * Writer::kColumns;
    if (HeadNorm) {
      __shared__ float staged[HeadNorm ? Writer::kColumns : 1];
      for (int c = threadIdx.x; c < Writer::kColumns; c += Threads)
        staged[c] = bf16ToFloat(row[c]);
      __syncthreads();
      for (int head = threadIdx.x / 32; head < Writer::kHeadsTotal;
           head += Threads / 32)
        Writer::writeHead(params, t, head, staged + head * HeadDim, 1);
      return;
    }
    for (int u = threadIdx.x; u < Writer::kPairsPerRow; u += Threads) {
      const int head = u / Pairs::kPairs, i = u % Pairs::kPairs;
      const bf16 *h = row + head * HeadDim;
      Writer::writePair(params, t, head, i, bf16ToFloat(h[Pairs::first(i)]),
                        bf16ToFloat(h[Pairs::second(i)]));
    }
  }
};

/// RoPE in place on x bf16 [T, Heads * HeadDim]; token t is at positions[t].
/// Launch: grid (T), block (Threads), no dynamic shared memory.
template <int Heads, int HeadDim, RopeLayout Layout, int Threads>
struct RopeInPlaceKernel {
  using Pairs = RopePairs<HeadDim, Layout>;
  static constexpr int kThreads = Threads;

  __device__ static void run(bf16 *x, const int *positions,
                             const float *inverseFrequencies, int numTokens) {
    const int t = blockIdx.x;
    if (t >= numTokens)
      return;
    bf16 *row = x + static_cast<long long>(t) * (Heads * HeadDim);
    const int position = positions[t];
    for (int u = threadIdx.x; u < Heads * Pairs::kPairs; u += Threads) {
      const int head = u / Pairs::kPairs, i = u % Pairs::kPairs;
      bf16 *h = row + head * HeadDim;
      float a = bf16ToFloat(h[Pairs::first(i)]);
      float b = bf16ToFloat(h[Pairs::second(i)]);
      float c, s;
      ropeCosSin(position, inverseFrequencies[i], c, s);
      ropeRotate(a, b, c, s);
      h[Pairs::first(i)] = floatToBf16(a);
      h[Pairs::second(i)] = floatToBf16(b);
    }
  }
};

} // namespace kernels
} // namespace llmc
