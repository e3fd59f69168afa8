// Paged-attention test scenarios: the key/value histories of several
// sequences, held both by CPU reference caches (ref::KvCache, the oracle's
// input) and by one paged pool per tensor in the kernels' layout, with a
// shuffled block table so that logically consecutive blocks are physically
// scattered. Also the host mirrors of the attention kernels' parameter
// structs.
//
// The pools hold two layers and the tests read layer 1, so a kernel that
// ignores the layer offset reads layer 0, which (like every block no sequence
// owns and every row past a sequence's end) is poisoned with bf16 NaN (0xFFFF):
// any read outside a sequence's history shows up as NaN in the output.
#pragma once

#include "runtime/reference/KvCache.h"
#include "test/GPU/KernelHarness.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmc::gputest {

/// Model-side shape of one attention layer plus the cache block size.
struct AttentionShape {
  int heads, kvHeads, headDim, blockSize;

  int group() const { return heads / kvHeads; }
  /// Columns of a merged QKV row; queries are read from such rows.
  int qkvColumns() const { return (heads + 2 * kvHeads) * headDim; }
  /// "32x8x128/bs16"
  std::string label() const;
};

/// The layer of the two-layer pools that tests attend over.
constexpr int kTestLayer = 1;
constexpr int kTestLayers = 2;

/// Several slots' key/value histories, on the CPU and as paged pools.
struct PagedHistory {
  AttentionShape shape;
  int numSlots = 0, maxBlocksPerSeq = 0, numBlocks = 0;
  std::vector<int32_t> blockTables; ///< [numSlots * maxBlocksPerSeq], -1 unused
  std::vector<uint16_t> kPool, vPool; ///< [layers][blocks][kv][bs][hd] bits
  /// One reference cache per slot (length 1 for slots without history).
  std::vector<ref::KvCache> caches;

  /// Element offset of this layer's pool inside kPool / vPool.
  std::size_t layerOffset(int layer) const;
};

/// Histories of lengths[s] positions for slot s (0: no history), random k/v
/// in [-1, 1) rounded to bf16, blocks assigned from a shuffled pool with a
/// few spare blocks left unowned.
PagedHistory makePagedHistory(const AttentionShape &shape,
                              const std::vector<int> &lengths, uint64_t seed);

/// Queries for `rows` rows, laid out as merged QKV rows: the q columns random
/// in [-2, 2) rounded to bf16 (a larger spread than k makes the softmax
/// peaked, not flat), the k/v columns poisoned. Returns the bits and fills
/// `compact` with the fp32 queries [rows, heads * headDim].
std::vector<uint16_t> makeQueryRows(const AttentionShape &shape, int rows,
                                    uint64_t seed, std::vector<float> &compact);

/// Host mirror of PrefillAttentionParams (PagedAttentionPrefill.cuh).
struct PrefillAttentionParamsArg {
  CUdeviceptr q = 0;
  int32_t qRowStride = 0;
  CUdeviceptr kCache = 0, vCache = 0, blockTables = 0;
  int32_t maxBlocksPerSeq = 0;
  CUdeviceptr seqSlots = 0, queryStarts = 0, startPositions = 0;
  float scale = 0;
  CUdeviceptr out = 0;
  int32_t outRowStride = 0;
  int32_t window = 0; ///< 0: full causal attention
};
static_assert(sizeof(PrefillAttentionParamsArg) == 96,
              "must match PrefillAttentionParams' layout on the device");

/// Host mirror of DecodeAttentionParams (PagedAttentionDecode.cuh).
struct DecodeAttentionParamsArg {
  CUdeviceptr q = 0;
  int32_t qRowStride = 0;
  CUdeviceptr kCache = 0, vCache = 0, blockTables = 0;
  int32_t maxBlocksPerSeq = 0;
  CUdeviceptr positions = 0, finished = 0;
  float scale = 0;
  CUdeviceptr partialOut = 0, partialMax = 0, partialSum = 0;
  int32_t maxPartitions = 0;
  CUdeviceptr out = 0;
  int32_t outRowStride = 0;
  int32_t window = 0; ///< 0: full causal attention
};
static_assert(sizeof(DecodeAttentionParamsArg) == 120,
              "must match DecodeAttentionParams' layout on the device");

/// True when every element of `bits` is the 0xFFFF poison (rows a kernel must
/// leave alone).
bool allPoison(const std::vector<uint16_t> &bits, std::size_t begin,
               std::size_t end);

} // namespace llmc::gputest
