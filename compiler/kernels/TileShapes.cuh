// TileShapes.cuh: the shared-memory formulas the kernels and the host-side
// kernel registry both need, stated once. Plain constexpr C++ with no CUDA
// types, so the device code (GemmMma.cuh, PagedAttentionDecode.cuh) and the
// host selection (compiler/kernels/registry) include the same file.
#pragma once

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define LLMC_HOST_DEVICE __host__ __device__
#else
#define LLMC_HOST_DEVICE
#endif

namespace llmc {
namespace tiles {

/// bf16 elements per 128-bit vector; shared-memory rows are padded by one.
constexpr int kVectorElements = 8;
/// Keys per shared-memory tile of the attention kernels.
constexpr int kAttentionTileRows = 64;

/// GemmMma's dynamic shared memory: a ring of `stages` operand tiles (BM rows
/// of x and BN rows of W, BK wide, padded by a vector) in bf16, or the fp32
/// epilogue tile (BN + 8 floats a row) that reuses it, whichever is larger.
LLMC_HOST_DEVICE constexpr long long
gemmMmaSharedBytes(long long bm, long long bn, long long bk, long long stages) {
  long long operands = stages * (bm + bn) * (bk + kVectorElements) * 2;
  long long epilogue = bm * (bn + 8) * 4;
  return operands > epilogue ? operands : epilogue;
}

/// PagedAttentionDecodePartition's static shared memory: the group's queries
/// and scores in fp32, and one padded key/value tile in bf16.
LLMC_HOST_DEVICE constexpr long long
decodePartitionSharedBytes(long long group, long long headDim,
                           long long partitionSize) {
  return (group * headDim + group * partitionSize) * 4 +
         kAttentionTileRows * (headDim + kVectorElements) * 2;
}

/// PagedAttentionPrefill's static shared memory: a padded key tile and a
/// padded value tile in bf16.
LLMC_HOST_DEVICE constexpr long long
prefillAttentionSharedBytes(long long headDim) {
  return 2 * kAttentionTileRows * (headDim + kVectorElements) * 2;
}

} // namespace tiles
} // namespace llmc
