// PagedAttentionCommon.cuh: what the prefill and decode attention kernels
// share: asynchronous copies of key/value tiles out of the paged cache into
// shared memory, and the bf16 tensor-core primitives (mma.sync m16n8k16,
// ldmatrix) the prefill kernel is built from.
//
// Paged layout (compiler/kernels/README.md): a sequence's position p lives in
// physical block blockTableRow[p / BlockSize], row p % BlockSize, of each
// layer's pool [block][kv_head][BlockSize][HeadDim]. A tile of consecutive
// positions may span several blocks; each position's HeadDim values are
// contiguous, so a tile is gathered row by row with 16-byte copies.
#pragma once

#include "Common.cuh"

namespace llmc {
namespace kernels {
namespace attention {

/// -inf (NVRTC compiles the library with no math header).
__device__ __forceinline__ float negativeInfinity() {
  return __int_as_float(static_cast<int>(0xff800000u));
}

//===----------------------------------------------------------------------===//
// Asynchronous global -> shared copies (sm_80+)
//===----------------------------------------------------------------------===//

/// Copies 16 bytes from global `source` to shared `destination`; when `valid`
/// is false nothing is read and the 16 bytes are zero-filled instead.
__device__ __forceinline__ void copyAsync16(void *destination,
                                            const void *source, bool valid) {
  const unsigned shared =
      static_cast<unsigned>(__cvta_generic_to_shared(destination));
  const int sourceBytes = valid ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared),
               "l"(source), "r"(sourceBytes)
               : "memory");
}

/// Waits for every cp.async this thread issued (a barrier must follow before
/// other threads read the data).
__device__ __forceinline__ void copyAsyncWaitAll() {
  asm volatile("cp.async.wait_all;\n" ::: "memory");
}

/// Gathers positions [tileStart, tileStart + TileRows) of one kv head out of
/// a paged pool into shared memory `tile` ([TileRows][RowPitch] bf16, each
/// row 16-byte aligned). Rows at or past `length`, or in an unmapped block,
/// are zero-filled: zeros (never stale data) keep masked products finite.
/// Every thread of the block takes part; the copies are asynchronous
/// (copyAsyncWaitAll + a barrier before use).
template <int KvHeads, int HeadDim, int BlockSize, int TileRows, int RowPitch,
          int Threads>
__device__ __forceinline__ void
loadPagedTileAsync(bf16 *tile, const bf16 *pool, const int *blockTableRow,
                   int kvHead, int tileStart, int length) {
  static_assert(HeadDim % kBf16PerVector == 0, "HeadDim must be a multiple "
                                               "of 8");
  static_assert(RowPitch % kBf16PerVector == 0, "rows must stay 16-byte "
                                                "aligned");
  using Cache = PagedKvLayout<KvHeads, HeadDim, BlockSize>;
  constexpr int kVectorsPerRow = HeadDim / kBf16PerVector;
  constexpr int kVectors = TileRows * kVectorsPerRow;
#pragma unroll
  for (int j = 0; j < ceilDiv(kVectors, Threads); ++j) {
    const int i = threadIdx.x + j * Threads;
    if (kVectors % Threads != 0 && i >= kVectors)
      break;
    const int row = i / kVectorsPerRow, vector = i % kVectorsPerRow;
    const int position = tileStart + row;
    const bf16 *source = pool; // any valid address when nothing is read
    bool valid = position < length;
    if (valid) {
      const int block = Cache::block(blockTableRow, position);
      valid = block >= 0;
      if (valid)
        source = pool + Cache::offset(block, kvHead, position % BlockSize) +
                 vector * kBf16PerVector;
    }
    copyAsync16(tile + row * RowPitch + vector * kBf16PerVector, source, valid);
  }
}

//===----------------------------------------------------------------------===//
// bf16 tensor-core primitives (sm_80+)
//===----------------------------------------------------------------------===//

/// d += a * b for one m16n8k16 tile: a row-major 16x16 bf16 (4 words), b
/// column-major 16x8 bf16 (2 words), d 16x8 fp32 (4 floats). Fragment layout
/// (g = lane / 4, t = lane % 4): a0 = A[g][2t..], a1 = A[g+8][2t..],
/// a2 = A[g][2t+8..], a3 = A[g+8][2t+8..]; b0 = B[2t..][g], b1 = B[2t+8..][g];
/// d0,d1 = D[g][2t, 2t+1], d2,d3 = D[g+8][2t, 2t+1].
__device__ __forceinline__ void mmaBf16(float (&d)[4], const unsigned (&a)[4],
                                        unsigned b0, unsigned b1) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
               "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
               "{%0, %1, %2, %3};\n"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

/// ldmatrix .x4 .trans: lanes 8i..8i+7 address the eight 16-byte rows of
/// matrix i; each lane receives, per matrix, the two elements of column
/// (lane / 4) at rows 2 (lane % 4) and 2 (lane % 4) + 1, i.e. exactly an
/// mma B fragment word when the rows are k and the columns n.
__device__ __forceinline__ void loadMatrixX4Transposed(unsigned (&r)[4],
                                                       const bf16 *rowStart) {
  const unsigned shared =
      static_cast<unsigned>(__cvta_generic_to_shared(rowStart));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 "
               "{%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(shared));
}

} // namespace attention
} // namespace kernels
} // namespace llmc
