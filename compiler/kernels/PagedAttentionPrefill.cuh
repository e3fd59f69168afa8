// PagedAttentionPrefill.cuh: causal flash attention for prefill chunks, with
// keys and values read from the paged KV cache.
//
// One launch serves a batch of prefill chunks. Sequence i contributes the
// query rows queryStarts[i] .. queryStarts[i+1]-1 of q (already rotated), at
// positions startPositions[i], startPositions[i]+1, ...; its keys and values,
// earlier chunks included, are in the cache (this chunk's k/v were written by
// the QKV projection's epilogue before this kernel runs), reached through
// block-table row seqSlots[i]. Query token j of the chunk attends causally to
// positions 0 ..= startPositions[i] + j; with a sliding window W (Mistral) only
// to the last W of them, (startPositions[i] + j - W, startPositions[i] + j].
// Key tiles wholly before the window of every row of a CTA are not loaded
// (their blocks may have been released).
//
// Work split. A CTA owns one (sequence, kv head, tile of 64 query rows). The
// rows of a tile are (token, query head of the kv head's group) pairs,
// token-major, so the Group query heads that share a kv head share every
// key/value tile the CTA loads (GQA costs no extra cache traffic). Each of the
// 4 warps owns 16 rows and runs FlashAttention-2's loop over 64-key tiles:
// S = Q K^T and O += P V on bf16 tensor cores (mma.sync m16n8k16, fp32
// accumulation), with an online softmax in fp32 (exp2 of log2e-scaled
// scores). P is rounded to bf16 for the P V product, as in FlashAttention.
//
// Shapes: HeadDim a multiple of 16 (48, 64, 128 ...); any BlockSize; any
// query-head group size.
#pragma once

#include "Common.cuh"
#include "PagedAttentionCommon.cuh"

namespace llmc {
namespace kernels {

/// Arguments of one prefill attention launch (a batch of chunks).
struct PrefillAttentionParams {
  /// bf16 [rows, qRowStride]: rotated queries; head h of a row is columns
  /// [h * HeadDim, (h + 1) * HeadDim) (so q may be the merged QKV output).
  const bf16 *q;
  int qRowStride;
  /// This layer's K and V pools (PagedKvLayout).
  const bf16 *kCache;
  const bf16 *vCache;
  /// int32 [max_slots, maxBlocksPerSeq]; -1 marks an unmapped block.
  const int *blockTables;
  int maxBlocksPerSeq;
  /// int32 [numSeqs]: the block-table row of each sequence.
  const int *seqSlots;
  /// int32 [numSeqs + 1]: sequence i owns rows queryStarts[i] ..
  /// queryStarts[i + 1] - 1 of q and out.
  const int *queryStarts;
  /// int32 [numSeqs]: position of each sequence's first query row.
  const int *startPositions;
  /// Score scale, usually 1 / sqrt(HeadDim).
  float scale;
  /// bf16 [rows, outRowStride]: head h at columns [h * HeadDim, ...).
  bf16 *out;
  int outRowStride;
  /// Sliding window: a query at position p sees keys (p - window, p]; 0
  /// means full causal attention.
  int window = 0;
};

/// Causal paged prefill attention.
/// Launch: grid (ceilDiv(maxChunkRows * Group, kRowsPerCta), KvHeads,
/// numSeqs), block (kThreads), no dynamic shared memory; maxChunkRows is
/// the longest chunk of the batch (CTAs past a shorter chunk exit at once).
template <int Heads, int KvHeads, int HeadDim, int BlockSize>
struct PagedAttentionPrefill {
  static_assert(Heads % KvHeads == 0, "query heads must group evenly");
  static_assert(HeadDim % 16 == 0, "HeadDim must be a multiple of 16");
  static constexpr int kGroup = Heads / KvHeads;
  static constexpr int kWarps = 4;
  static constexpr int kThreads = kWarps * 32;
  static constexpr int kRowsPerCta = kWarps * 16;
  static constexpr int kKeysPerTile = 64;
  /// Shared-memory row pitch: 16 bytes of padding make the 8 rows one
  /// ldmatrix phase (or one 32-bit fragment load) reads hit distinct banks.
  static constexpr int kRowPitch = HeadDim + kBf16PerVector;
  static constexpr int kDimSteps = HeadDim / 16;     // k steps of Q K^T
  static constexpr int kKeyTiles = kKeysPerTile / 8; // n tiles of S
  static constexpr int kDimTiles = HeadDim / 8;      // n tiles of O

  /// Grid x for a batch whose longest chunk has `maxChunkRows` tokens.
  __host__ __device__ static constexpr int gridX(int maxChunkRows) {
    return ceilDiv(maxChunkRows * kGroup, kRowsPerCta);
  }

  __device__ static void run(const PrefillAttentionParams &p) {
    __shared__ __align__(16) bf16 keys[kKeysPerTile * kRowPitch];
    __shared__ __align__(16) bf16 values[kKeysPerTile * kRowPitch];

    const int seq = blockIdx.z, kvHead = blockIdx.y;
    const int rowBegin = p.queryStarts[seq];
    const int chunkRows = (p.queryStarts[seq + 1] - rowBegin) * kGroup;
    const int ctaRow = blockIdx.x * kRowsPerCta;
    if (ctaRow >= chunkRows)
      return;
    const int start = p.startPositions[seq];
    const int *table = p.blockTables + static_cast<long long>(p.seqSlots[seq]) *
                                           p.maxBlocksPerSeq;
    // Keys the CTA needs: up to its last row's position.
    const int ctaLastRow = min(ctaRow + kRowsPerCta, chunkRows) - 1;
    const int kvLength = start + ctaLastRow / kGroup + 1;
    // ... and from the first key its first row's window sees, by whole tiles.
    const int kvBegin =
        p.window > 0 ? max(0, start + ctaRow / kGroup - p.window + 1) : 0;
    const int firstTile = kvBegin / kKeysPerTile * kKeysPerTile;

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int g = lane / 4, t = lane % 4;

    // This thread's two rows (g and g + 8 of the warp's 16). Rows past the
    // chunk compute the first row's values and are never stored; giving them
    // a real position keeps every softmax row non-empty (key 0 is visible).
    int rowValid[2], rowToken[2], rowHead[2], rowPosition[2];
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      const int row = ctaRow + warp * 16 + g + half * 8;
      rowValid[half] = row < chunkRows;
      const int r = rowValid[half] ? row : 0;
      rowToken[half] = r / kGroup;
      rowHead[half] = kvHead * kGroup + r % kGroup;
      rowPosition[half] = start + rowToken[half];
    }
    // The last position any of the warp's rows sees; -1 for a warp wholly
    // past the chunk, which then skips every tile.
    const int warpFirstRow = ctaRow + warp * 16;
    const int warpLastPosition =
        warpFirstRow < chunkRows
            ? start + min(warpFirstRow + 15, chunkRows - 1) / kGroup
            : -1;
    // The first key any of the warp's rows sees (its first row's window).
    const int warpFirstKey =
        p.window > 0 ? start + warpFirstRow / kGroup - p.window + 1 : 0;

    // Q fragments for the whole head dimension stay in registers.
    unsigned qFragment[kDimSteps][4];
    {
      const bf16 *qRow[2];
#pragma unroll
      for (int half = 0; half < 2; ++half)
        qRow[half] =
            p.q +
            static_cast<long long>(rowBegin + rowToken[half]) * p.qRowStride +
            rowHead[half] * HeadDim;
#pragma unroll
      for (int ks = 0; ks < kDimSteps; ++ks) {
        const int c = ks * 16 + 2 * t;
        qFragment[ks][0] = *reinterpret_cast<const unsigned *>(qRow[0] + c);
        qFragment[ks][1] = *reinterpret_cast<const unsigned *>(qRow[1] + c);
        qFragment[ks][2] = *reinterpret_cast<const unsigned *>(qRow[0] + c + 8);
        qFragment[ks][3] = *reinterpret_cast<const unsigned *>(qRow[1] + c + 8);
      }
    }

    float acc[kDimTiles][4];
#pragma unroll
    for (int dt = 0; dt < kDimTiles; ++dt)
#pragma unroll
      for (int i = 0; i < 4; ++i)
        acc[dt][i] = 0.0f;
    // Running max (log2 domain) and this thread's partial row sums; the sums
    // of the 4 threads sharing a row are combined once at the end.
    float rowMax[2] = {attention::negativeInfinity(),
                       attention::negativeInfinity()};
    float rowSum[2] = {0.0f, 0.0f};
    const float scaleLog2 = p.scale * 1.4426950408889634f;

    for (int tileStart = firstTile; tileStart < kvLength;
         tileStart += kKeysPerTile) {
      __syncthreads(); // the previous tile is no longer read
      attention::loadPagedTileAsync<KvHeads, HeadDim, BlockSize, kKeysPerTile,
                                    kRowPitch, kThreads>(
          keys, p.kCache, table, kvHead, tileStart, kvLength);
      attention::loadPagedTileAsync<KvHeads, HeadDim, BlockSize, kKeysPerTile,
                                    kRowPitch, kThreads>(
          values, p.vCache, table, kvHead, tileStart, kvLength);
      attention::copyAsyncWaitAll();
      __syncthreads();
      if (tileStart > warpLastPosition ||
          tileStart + kKeysPerTile <= warpFirstKey)
        continue; // every key of the tile is in this warp's future or
                  // before the window of all of its rows

      // S = Q K^T for the warp's 16 rows x 64 keys.
      float s[kKeyTiles][4];
#pragma unroll
      for (int nt = 0; nt < kKeyTiles; ++nt) {
#pragma unroll
        for (int i = 0; i < 4; ++i)
          s[nt][i] = 0.0f;
        const bf16 *keyRow = keys + (nt * 8 + g) * kRowPitch + 2 * t;
#pragma unroll
        for (int ks = 0; ks < kDimSteps; ++ks) {
          const unsigned b0 =
              *reinterpret_cast<const unsigned *>(keyRow + ks * 16);
          const unsigned b1 =
              *reinterpret_cast<const unsigned *>(keyRow + ks * 16 + 8);
          attention::mmaBf16(s[nt], qFragment[ks], b0, b1);
        }
      }

      // Causal mask, scale, and the online softmax update.
      float tileMax[2] = {attention::negativeInfinity(),
                          attention::negativeInfinity()};
#pragma unroll
      for (int nt = 0; nt < kKeyTiles; ++nt)
#pragma unroll
        for (int i = 0; i < 4; ++i) {
          const int half = i / 2;
          const int key = tileStart + nt * 8 + 2 * t + (i % 2);
          const bool visible =
              key <= rowPosition[half] &&
              (p.window <= 0 || key > rowPosition[half] - p.window);
          s[nt][i] =
              visible ? s[nt][i] * scaleLog2 : attention::negativeInfinity();
          tileMax[half] = fmaxf(tileMax[half], s[nt][i]);
        }
      float correction[2];
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        tileMax[half] = fmaxf(tileMax[half],
                              __shfl_xor_sync(0xffffffffu, tileMax[half], 1));
        tileMax[half] = fmaxf(tileMax[half],
                              __shfl_xor_sync(0xffffffffu, tileMax[half], 2));
        // Without a window, finite from the first tile on (key 0 is visible
        // to every row). With one, a row may see nothing of a tile that
        // others of the CTA need: its maximum stays -inf, and subtracting 0
        // instead keeps exp2 at 0 rather than NaN.
        const float newMax = fmaxf(rowMax[half], tileMax[half]);
        const float shift =
            newMax == attention::negativeInfinity() ? 0.0f : newMax;
        correction[half] = exp2f(rowMax[half] - shift);
        rowMax[half] = newMax;
        rowSum[half] *= correction[half];
      }
#pragma unroll
      for (int nt = 0; nt < kKeyTiles; ++nt)
#pragma unroll
        for (int i = 0; i < 4; ++i) {
          const int half = i / 2;
          const float shift = rowMax[half] == attention::negativeInfinity()
                                  ? 0.0f
                                  : rowMax[half];
          s[nt][i] = exp2f(s[nt][i] - shift);
          rowSum[half] += s[nt][i];
        }
#pragma unroll
      for (int dt = 0; dt < kDimTiles; ++dt) {
        acc[dt][0] *= correction[0];
        acc[dt][1] *= correction[0];
        acc[dt][2] *= correction[1];
        acc[dt][3] *= correction[1];
      }

      // O += P V: P's accumulator layout is already the A fragment layout of
      // the next product, two key tiles of 8 per 16-key step.
#pragma unroll
      for (int kk = 0; kk < kKeysPerTile / 16; ++kk) {
        unsigned pFragment[4];
        pFragment[0] = packBf16x2(s[2 * kk][0], s[2 * kk][1]);
        pFragment[1] = packBf16x2(s[2 * kk][2], s[2 * kk][3]);
        pFragment[2] = packBf16x2(s[2 * kk + 1][0], s[2 * kk + 1][1]);
        pFragment[3] = packBf16x2(s[2 * kk + 1][2], s[2 * kk + 1][3]);
        // Matrices 0/1: keys 0-7 / 8-15 of the step at dims dp*16 + 0..7;
        // matrices 2/3: the same keys at dims dp*16 + 8..15.
        const int matrixRow = kk * 16 + (lane & 7) + ((lane >> 3) & 1) * 8;
        const int matrixColumn = (lane >> 4) * 8;
#pragma unroll
        for (int dp = 0; dp < HeadDim / 16; ++dp) {
          unsigned v[4];
          attention::loadMatrixX4Transposed(v, values + matrixRow * kRowPitch +
                                                   dp * 16 + matrixColumn);
          attention::mmaBf16(acc[2 * dp], pFragment, v[0], v[1]);
          attention::mmaBf16(acc[2 * dp + 1], pFragment, v[2], v[3]);
        }
      }
    }

    // Normalize and store (each thread holds dims 2t, 2t+1 of every 8).
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      float sum = rowSum[half];
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      sum += __shfl_xor_sync(0xffffffffu, sum, 2);
      if (!rowValid[half])
        continue;
      const float inverse = 1.0f / sum;
      bf16 *outRow =
          p.out +
          static_cast<long long>(rowBegin + rowToken[half]) * p.outRowStride +
          rowHead[half] * HeadDim + 2 * t;
#pragma unroll
      for (int dt = 0; dt < kDimTiles; ++dt)
        *reinterpret_cast<unsigned *>(outRow + dt * 8) = packBf16x2(
            acc[dt][2 * half] * inverse, acc[dt][2 * half + 1] * inverse);
    }
  }
};

} // namespace kernels
} // namespace llmc
