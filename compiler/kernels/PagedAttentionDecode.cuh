// PagedAttentionDecode.cuh: split-KV ("flash-decoding") paged attention for
// decode, one query token per slot.
//
// A decode step has few queries (one per slot) and long contexts, so one CTA
// per (slot, kv head) would leave most of the GPU idle. The context is cut
// into partitions of PartitionSize positions, one CTA each:
//   PagedAttentionDecodePartition  grid (maxPartitions, KvHeads, slots):
//       for every query head of the kv head's group, the partition's scores,
//       their max m and sum l of exp(score - m), and acc = sum exp(.) v,
//       written to an fp32 workspace;
//   PagedAttentionDecodeReduce     grid (Heads, slots): combines the
//       partitions, out = sum_p e^(m_p - M) acc_p / sum_p e^(m_p - M) l_p.
//
// Inside a partition the CTA stages 64-position key (then value) tiles in
// shared memory with coalesced 16-byte copies out of the paged cache; the
// Group query heads sharing a kv head are served from the same tile (GQA).
// Scores are exact fp32 (dot, then * scale, as the reference), kept in shared
// memory for the whole partition, so the softmax needs no rescaling.
//
// Slots are rows of q and out (row s = slot s). A slot whose finished flag is
// set or whose position is negative does nothing in either kernel: its output
// row is left as it was.
//
// Sliding window W (Mistral): the query at position p sees (p - W, p].
// Partitions wholly before the window do nothing and the reduction skips
// them; inside the first partition, key tiles before the window are not
// loaded (their blocks may have been released) and earlier keys get no
// weight.
#pragma once

#include "Common.cuh"
#include "PagedAttentionCommon.cuh"
#include "TileShapes.cuh"

namespace llmc {
namespace kernels {

/// Arguments of the two decode attention kernels (one struct for both).
struct DecodeAttentionParams {
  /// bf16 [slots, qRowStride]: each slot's rotated query; head h at columns
  /// [h * HeadDim, (h + 1) * HeadDim).
  const bf16 *q;
  int qRowStride;
  /// This layer's K and V pools (PagedKvLayout).
  const bf16 *kCache;
  const bf16 *vCache;
  /// int32 [slots, maxBlocksPerSeq]; -1 marks an unmapped block.
  const int *blockTables;
  int maxBlocksPerSeq;
  /// int32 [slots]: the query's position; it attends to 0 ..= positions[s].
  /// Negative: no sequence in the slot.
  const int *positions;
  /// int32 [slots]: nonzero skips the slot (SlotState::finished); may be null.
  const int *finished;
  /// Score scale, usually 1 / sqrt(HeadDim).
  float scale;
  /// fp32 workspace: [slots, Heads, maxPartitions, HeadDim] partial outputs,
  /// [slots, Heads, maxPartitions] maxima and sums.
  float *partialOut;
  float *partialMax;
  float *partialSum;
  /// Grid x of the partition kernel: ceilDiv(max context, PartitionSize).
  int maxPartitions;
  /// bf16 [slots, outRowStride]: head h at columns [h * HeadDim, ...).
  bf16 *out;
  int outRowStride;
  /// Sliding window: the query at position p sees keys (p - window, p]; 0
  /// means all of 0 ..= p.
  int window = 0;
};

namespace attention {

/// Context length of slot s, or 0 when the slot does nothing this step.
__device__ __forceinline__ int decodeLength(const DecodeAttentionParams &p,
                                            int slot) {
  if (p.finished && p.finished[slot] != 0)
    return 0;
  const int position = p.positions[slot];
  return position < 0 ? 0 : position + 1;
}

/// The first position a query with context `length` sees: 0, or the start
/// of its sliding window.
__device__ __forceinline__ int decodeWindowStart(const DecodeAttentionParams &p,
                                                 int length) {
  return p.window > 0 ? max(0, length - p.window) : 0;
}

} // namespace attention

/// Partial attention of one context partition for every query head of one kv
/// head. Launch: grid (maxPartitions, KvHeads, slots), block (kThreads), no
/// dynamic shared memory.
template <int Heads, int KvHeads, int HeadDim, int BlockSize, int PartitionSize>
struct PagedAttentionDecodePartition {
  static_assert(Heads % KvHeads == 0, "query heads must group evenly");
  static_assert(HeadDim % kBf16PerVector == 0, "HeadDim must be a multiple "
                                               "of 8");
  static constexpr int kGroup = Heads / KvHeads;
  static constexpr int kThreads = 128;
  static constexpr int kKeysPerTile = tiles::kAttentionTileRows;
  static_assert(PartitionSize % kKeysPerTile == 0,
                "PartitionSize must be a multiple of 64");
  /// 16 bytes of padding: the threads reading 8 consecutive key rows with
  /// 16-byte loads hit distinct banks.
  static constexpr int kRowPitch = HeadDim + kBf16PerVector;
  static constexpr int kOutputsPerThread = ceilDiv(kGroup * HeadDim, kThreads);
  static constexpr int kSharedBytes = static_cast<int>(
      tiles::decodePartitionSharedBytes(kGroup, HeadDim, PartitionSize));
  static_assert(kSharedBytes <= 48 * 1024,
                "scores and tiles exceed 48 KiB: use a smaller PartitionSize");

  __device__ static void run(const DecodeAttentionParams &p) {
    __shared__ __align__(16) bf16 tile[kKeysPerTile * kRowPitch];
    __shared__ __align__(16) float query[kGroup * HeadDim];
    __shared__ float scores[kGroup * PartitionSize];

    const int slot = blockIdx.z, kvHead = blockIdx.y, part = blockIdx.x;
    const int length = attention::decodeLength(p, slot);
    const int begin = part * PartitionSize;
    const int end = min(begin + PartitionSize, length);
    const int windowStart = attention::decodeWindowStart(p, length);
    if (begin >= length || end <= windowStart)
      return;
    // Tiles from the one holding the window's first position; positions
    // before it score -inf (weight 0).
    const int first = max(begin, windowStart);
    const int firstTile = begin + (first - begin) / kKeysPerTile * kKeysPerTile;
    const int *table =
        p.blockTables + static_cast<long long>(slot) * p.maxBlocksPerSeq;

    // The group's queries (contiguous heads kvHead*Group ..) as floats.
    const bf16 *qRow = p.q + static_cast<long long>(slot) * p.qRowStride +
                       kvHead * kGroup * HeadDim;
    for (int i = threadIdx.x; i < kGroup * HeadDim; i += kThreads)
      query[i] = bf16ToFloat(qRow[i]);

    // Scores of every (head, position) of the partition.
    for (int tileStart = firstTile; tileStart < end;
         tileStart += kKeysPerTile) {
      __syncthreads(); // the previous tile is no longer read
      attention::loadPagedTileAsync<KvHeads, HeadDim, BlockSize, kKeysPerTile,
                                    kRowPitch, kThreads>(
          tile, p.kCache, table, kvHead, tileStart, end);
      attention::copyAsyncWaitAll();
      __syncthreads();
      for (int i = threadIdx.x; i < kKeysPerTile * kGroup; i += kThreads) {
        const int key = i % kKeysPerTile, head = i / kKeysPerTile;
        if (tileStart + key >= end)
          continue;
        float *score =
            &scores[head * PartitionSize + (tileStart - begin) + key];
        if (tileStart + key < first) {
          *score = attention::negativeInfinity();
          continue;
        }
        const bf16 *k = tile + key * kRowPitch;
        const float *qh = query + head * HeadDim;
        float dot = 0.0f;
#pragma unroll
        for (int d = 0; d < HeadDim; d += kBf16PerVector) {
          float kv[kBf16PerVector];
          unpackVector(*reinterpret_cast<const uint4 *>(k + d), kv);
#pragma unroll
          for (int e = 0; e < kBf16PerVector; ++e)
            dot = fmaf(qh[d + e], kv[e], dot);
        }
        *score = dot * p.scale;
      }
    }
    __syncthreads();

    // Softmax numerators in place; one warp per head.
    const int count = end - begin, skipped = firstTile - begin;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const long long partialIndex =
        (static_cast<long long>(slot) * Heads + kvHead * kGroup) *
            p.maxPartitions +
        part;
    for (int head = warp; head < kGroup; head += kThreads / 32) {
      float *row = scores + head * PartitionSize;
      float maximum = attention::negativeInfinity();
      for (int i = skipped + lane; i < count; i += 32)
        maximum = fmaxf(maximum, row[i]);
      maximum = warpReduceMax(maximum);
      float sum = 0.0f;
      for (int i = skipped + lane; i < count; i += 32) {
        const float e = expf(row[i] - maximum);
        row[i] = e;
        sum += e;
      }
      sum = warpReduceSum(sum);
      if (lane == 0) {
        const long long index = partialIndex + head * p.maxPartitions;
        p.partialMax[index] = maximum;
        p.partialSum[index] = sum;
      }
    }

    // acc[head][d] = sum_i e_i v_i[d]; thread owns outputs tid + j*kThreads.
    float acc[kOutputsPerThread];
#pragma unroll
    for (int j = 0; j < kOutputsPerThread; ++j)
      acc[j] = 0.0f;
    for (int tileStart = firstTile; tileStart < end;
         tileStart += kKeysPerTile) {
      __syncthreads(); // scores are final; the previous tile is not read
      attention::loadPagedTileAsync<KvHeads, HeadDim, BlockSize, kKeysPerTile,
                                    kRowPitch, kThreads>(
          tile, p.vCache, table, kvHead, tileStart, end);
      attention::copyAsyncWaitAll();
      __syncthreads();
      const int keys = min(kKeysPerTile, end - tileStart);
#pragma unroll
      for (int j = 0; j < kOutputsPerThread; ++j) {
        const int o = threadIdx.x + j * kThreads;
        if (o >= kGroup * HeadDim)
          break;
        const int head = o / HeadDim, d = o % HeadDim;
        const float *weights =
            scores + head * PartitionSize + (tileStart - begin);
        float a = acc[j];
        for (int key = 0; key < keys; ++key)
          a = fmaf(weights[key], bf16ToFloat(tile[key * kRowPitch + d]), a);
        acc[j] = a;
      }
    }
#pragma unroll
    for (int j = 0; j < kOutputsPerThread; ++j) {
      const int o = threadIdx.x + j * kThreads;
      if (o >= kGroup * HeadDim)
        break;
      const int head = o / HeadDim, d = o % HeadDim;
      p.partialOut[(partialIndex + head * p.maxPartitions) * HeadDim + d] =
          acc[j];
    }
  }
};

/// Combines the partitions of every (slot, query head).
/// Launch: grid (Heads, slots), block (kThreads), no dynamic shared memory.
template <int Heads, int HeadDim, int PartitionSize>
struct PagedAttentionDecodeReduce {
  static constexpr int kThreads = 64;

  __device__ static void run(const DecodeAttentionParams &p) {
    const int head = blockIdx.x, slot = blockIdx.y;
    const int length = attention::decodeLength(p, slot);
    if (length == 0)
      return;
    const int partitions = ceilDiv(length, PartitionSize);
    // Partitions wholly before the window wrote nothing.
    const int firstPartition =
        attention::decodeWindowStart(p, length) / PartitionSize;
    const long long base =
        (static_cast<long long>(slot) * Heads + head) * p.maxPartitions;

    float maximum = attention::negativeInfinity();
    for (int i = firstPartition; i < partitions; ++i)
      maximum = fmaxf(maximum, p.partialMax[base + i]);
    float denominator = 0.0f;
    for (int i = firstPartition; i < partitions; ++i)
      denominator +=
          expf(p.partialMax[base + i] - maximum) * p.partialSum[base + i];
    const float inverse = 1.0f / denominator;

    bf16 *outRow =
        p.out + static_cast<long long>(slot) * p.outRowStride + head * HeadDim;
    for (int d = threadIdx.x; d < HeadDim; d += kThreads) {
      float numerator = 0.0f;
      for (int i = firstPartition; i < partitions; ++i)
        numerator += expf(p.partialMax[base + i] - maximum) *
                     p.partialOut[(base + i) * HeadDim + d];
      outRow[d] = floatToBf16(numerator * inverse);
    }
  }
};

} // namespace kernels
} // namespace llmc
