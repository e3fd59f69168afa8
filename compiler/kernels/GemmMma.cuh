// GemmMma.cuh: the prefill projection on tensor cores (sm_80 and newer).
//
//   out[m, n] = epilogue( sum_k x[m, k] * W[n, k] )   x bf16 [M, K], W bf16 [N,
//   K]
//
// A block computes a BM x BN output tile. Its A (x rows) and B (W rows) tiles
// of BK columns are copied global -> shared with cp.async into a ring of
// Stages buffers, so the copy of tile k + Stages - 1 overlaps the math on tile
// k (Stages = 2 is classic double buffering). Warps form a WarpsM x WarpsN
// grid; each loads its fragments with ldmatrix and issues
// mma.sync.m16n8k16.row.col bf16 -> fp32. W's nn.Linear layout [N, K] is
// exactly the column-major B operand mma wants, so neither operand needs a
// transpose. M (tokens) is a run-time value: rows past M are zero-filled by the
// copy and never stored. Shared-memory rows are padded by 16 bytes, which
// makes both the cp.async stores and the ldmatrix reads conflict-free.
//
// After the main loop the fp32 accumulators are staged in shared memory
// (reusing the operand buffers) and handed to the epilogue policy, the same
// policies the decode GEMV uses (Epilogues.cuh).
//
// Split K (KSplit > 1, sm_90): a decode step of 64 rows has only N / BN
// output tiles (64 for a 4096-wide projection), too few blocks to stream the
// weights at full bandwidth. KSplit blocks then share each tile, block z
// taking the z-th slice of the K tiles. They form one thread-block cluster
// (grid z = KSplit, __cluster_dims__(1, 1, KSplit) on the kernel): after the
// main loop each block reads its share of the tile's rows from every
// block's partial tile through distributed shared memory, sums them in
// block order (deterministic, so a given engine's results do not depend on
// timing), and runs the epilogue on those rows. No workspace, no second
// launch.
//
// sm_90a: a wgmma + TMA version of this kernel (warpgroup MMA from shared
// memory, tiles fetched by the tensor memory accelerator on an mbarrier) goes
// in GemmWgmma.cuh, with the same template interface and epilogues. It is
// not written yet; until then sm_90 runs this kernel.
#pragma once

#include "Common.cuh"
#include "Epilogues.cuh"
#include "TileShapes.cuh"

namespace llmc {
namespace kernels {

namespace mma {

__device__ __forceinline__ unsigned sharedAddress(const void *pointer) {
  return static_cast<unsigned>(__cvta_generic_to_shared(pointer));
}

/// 16-byte global -> shared copy; with `valid` false the destination is
/// zero-filled and nothing is read.
__device__ __forceinline__ void copyAsync16(void *destination,
                                            const void *source, bool valid) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(
                   sharedAddress(destination)),
               "l"(source), "r"(valid ? 16 : 0));
}

__device__ __forceinline__ void commitAsync() {
  asm volatile("cp.async.commit_group;\n" ::);
}

/// Waits until at most `Pending` committed copy groups are still in flight.
template <int Pending> __device__ __forceinline__ void waitAsync() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending));
}

/// Four 8x8 bf16 matrices from shared memory; lane l supplies the address of
/// row l % 8 of matrix l / 8.
__device__ __forceinline__ void loadMatrixX4(unsigned (&r)[4],
                                             const bf16 *address) {
  asm volatile(
      "ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
      : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
      : "r"(sharedAddress(address)));
}

/// d += a * b for one m16n8k16 bf16 tile with fp32 accumulators.
__device__ __forceinline__ void mmaBf16(float (&d)[4], const unsigned (&a)[4],
                                        unsigned b0, unsigned b1) {
  asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
      "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

} // namespace mma

/// Tile shape of GemmMma: a BM x BN output tile per block, BK columns of K per
/// pipeline stage, a WarpsM x WarpsN grid of warps, Stages shared buffers.
/// Typical: <128, 128, 32, 2, 4, 2> for large M, <64, 64, 32, 2, 2, 2> for
/// short prompts.
template <int BM, int BN, int BK, int WarpsM, int WarpsN, int Stages>
struct MmaTileShape {
  static constexpr int kBM = BM, kBN = BN, kBK = BK;
  static constexpr int kWarpsM = WarpsM, kWarpsN = WarpsN, kStages = Stages;
};

/// Tensor-core GEMM with a fused epilogue.
///   N, K     weight shape W[N, K]
///   Tile     an MmaTileShape
///   KSplit   blocks (one cluster) that share each output tile, each over a
///            slice of K; above 1 needs sm_90
/// Arguments: x bf16 [M, K], w bf16 [N, K], M, the epilogue's Params.
/// Launch: grid (ceilDiv(N, BN), ceilDiv(M, BM), KSplit), block (kThreads),
/// dynamic shared memory kSharedBytes (over 48 KiB for large tiles: the
/// runtime raises the function's limit); with KSplit > 1 the kernel carries
/// __cluster_dims__(1, 1, KSplit).
template <int N, int K, class Tile, class Epilogue, int KSplit = 1>
struct GemmMma {
  static constexpr int BM = Tile::kBM, BN = Tile::kBN, BK = Tile::kBK;
  static constexpr int kStages = Tile::kStages;
  static constexpr int kWarpsM = Tile::kWarpsM, kWarpsN = Tile::kWarpsN;
  static constexpr int kThreads = kWarpsM * kWarpsN * 32;
  /// Warp tile and its m16 x n8 MMA tiles.
  static constexpr int kWarpM = BM / kWarpsM, kWarpN = BN / kWarpsN;
  static constexpr int kMmaM = kWarpM / 16, kMmaN = kWarpN / 8;
  static_assert(BM % (16 * kWarpsM) == 0, "warp tile M must be whole m16s");
  static_assert(BN % (16 * kWarpsN) == 0,
                "warp tile N must be whole n16s (ldmatrix.x4 loads two n8)");
  static_assert(BK % 16 == 0, "BK must be whole k16 steps");
  static_assert(K % kBf16PerVector == 0, "K must be a multiple of 8");
  static_assert(kStages >= 2, "at least double buffering");
  static_assert(KSplit >= 1 && KSplit <= 8,
                "a portable cluster holds at most 8 blocks");
  static_assert(BM % KSplit == 0,
                "the blocks of a cluster share the tile's rows evenly");

  /// Shared-memory row pitch of the operand tiles, in bf16 (16-byte pad).
  static constexpr int kLd = BK + kBf16PerVector;
  static constexpr int kStageElements = (BM + BN) * kLd;
  /// Row pitch of the fp32 epilogue tile; BN + 8 keeps the float2 stores of a
  /// half-warp on distinct banks.
  static constexpr int kTileLd = BN + 8;
  static constexpr int kSharedBytes =
      static_cast<int>(tiles::gemmMmaSharedBytes(BM, BN, BK, kStages));
  static constexpr int kGridX = ceilDiv(N, BN);
  static constexpr int kKTiles = ceilDiv(K, BK);
  /// K tiles per block of a cluster (the last block may get fewer).
  static constexpr int kKTilesPerSplit = ceilDiv(kKTiles, KSplit);
  /// Tile rows each block of a cluster reduces and hands to the epilogue.
  static constexpr int kRowsPerSplit = BM / KSplit;
  static constexpr int kChunksPerRow = BK / kBf16PerVector;

  /// `shared` is the kernel's dynamic shared memory (kSharedBytes, 16-byte
  /// aligned).
  __device__ static void run(const bf16 *x, const bf16 *w, int numRows,
                             const typename Epilogue::Params &params,
                             void *shared) {
    bf16 *operands = static_cast<bf16 *>(shared);
    const int n0 = blockIdx.x * BN, m0 = blockIdx.y * BM;
    if (m0 >= numRows)
      return;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int warpM = warp / kWarpsN, warpN = warp % kWarpsN;
    // This block's K tiles: all of them, or its cluster rank's slice.
    const int split = KSplit > 1 ? static_cast<int>(blockIdx.z) : 0;
    const int ktBegin = split * kKTilesPerSplit;
    const int ktCount = max(0, min(kKTiles - ktBegin, kKTilesPerSplit));

    float acc[kMmaM][kMmaN][4];
#pragma unroll
    for (int i = 0; i < kMmaM; ++i)
#pragma unroll
      for (int j = 0; j < kMmaN; ++j)
#pragma unroll
        for (int e = 0; e < 4; ++e)
          acc[i][j][e] = 0.0f;

          // Prologue: fill all stages but one.
#pragma unroll
    for (int s = 0; s < kStages - 1; ++s) {
      if (s < ktCount)
        loadStage(x, w, numRows, m0, n0, ktBegin + s,
                  operands + s * kStageElements);
      mma::commitAsync();
    }

    for (int kt = 0; kt < ktCount; ++kt) {
      mma::waitAsync<kStages - 2>();
      // Tile kt has landed for every thread, and every warp is done with the
      // stage the prefetch below overwrites (it held tile kt - 1).
      __syncthreads();
      const int next = kt + kStages - 1;
      if (next < ktCount)
        loadStage(x, w, numRows, m0, n0, ktBegin + next,
                  operands + (next % kStages) * kStageElements);
      mma::commitAsync();
      computeStage(operands + (kt % kStages) * kStageElements, warpM, warpN,
                   lane, acc);
    }
    mma::waitAsync<0>();
    __syncthreads(); // operands are dead; the epilogue tile reuses them

    float *tile = static_cast<float *>(shared);
    const int g = lane / 4, q = lane % 4;
#pragma unroll
    for (int i = 0; i < kMmaM; ++i)
#pragma unroll
      for (int j = 0; j < kMmaN; ++j) {
        const int row = warpM * kWarpM + i * 16 + g;
        const int col = warpN * kWarpN + j * 8 + 2 * q;
        *reinterpret_cast<float2 *>(&tile[row * kTileLd + col]) =
            make_float2(acc[i][j][0], acc[i][j][1]);
        *reinterpret_cast<float2 *>(&tile[(row + 8) * kTileLd + col]) =
            make_float2(acc[i][j][2], acc[i][j][3]);
      }
    __syncthreads();
    if constexpr (KSplit > 1)
      reduceAndApply(params, tile, numRows, m0, n0, split);
    else
      Epilogue::template apply<kThreads, BM, BN>(params, tile, kTileLd, m0,
                                                 min(BM, numRows - m0), n0,
                                                 min(BN, N - n0));
  }

private:
  /// Split K: sums rows [split * kRowsPerSplit, ...) of the cluster's
  /// partial tiles into this block's tile, in rank order, and runs the
  /// epilogue on them. Other blocks read only their own shares of this
  /// block's tile, so the sums overwrite the partials in place.
  __device__ static void reduceAndApply(const typename Epilogue::Params &params,
                                        float *tile, int numRows, int m0,
                                        int n0, int split) {
    clusterArrive(); // this block's partial tile is written ...
    clusterWait();   // ... and so is every other block's
    const int r0 = split * kRowsPerSplit;
    constexpr int kVectorsPerRow = BN / 4;
    for (int i = threadIdx.x; i < kRowsPerSplit * kVectorsPerRow;
         i += kThreads) {
      float4 *at =
          reinterpret_cast<float4 *>(&tile[(r0 + i / kVectorsPerRow) * kTileLd +
                                           (i % kVectorsPerRow) * 4]);
      float4 sum = loadClusterShared(at, 0);
#pragma unroll
      for (int s = 1; s < KSplit; ++s) {
        const float4 v = loadClusterShared(at, s);
        sum.x += v.x;
        sum.y += v.y;
        sum.z += v.z;
        sum.w += v.w;
      }
      *at = sum;
    }
    clusterArrive(); // done reading the other blocks' shared memory
    __syncthreads();
    Epilogue::template apply<kThreads, kRowsPerSplit, BN>(
        params, tile + r0 * kTileLd, kTileLd, m0 + r0,
        max(0, min(kRowsPerSplit, numRows - m0 - r0)), n0, min(BN, N - n0));
    clusterWait(); // no block leaves while another may read its tile
  }

  /// Queues the copies of K tile `kTile` of A (x rows m0..) and B (W rows
  /// n0..) into one stage: A [BM][kLd] then B [BN][kLd].
  __device__ static void loadStage(const bf16 *x, const bf16 *w, int numRows,
                                   int m0, int n0, int kTile, bf16 *stage) {
    const int k0 = kTile * BK;
    constexpr int kChunksA = BM * kChunksPerRow;
    constexpr int kChunks = (BM + BN) * kChunksPerRow;
#pragma unroll
    for (int it = 0; it < ceilDiv(kChunks, kThreads); ++it) {
      const int c = threadIdx.x + it * kThreads;
      if (kChunks % kThreads != 0 && c >= kChunks)
        break;
      const bool isA = c < kChunksA;
      const int local = isA ? c : c - kChunksA;
      const int row = local / kChunksPerRow;
      const int k = k0 + (local % kChunksPerRow) * kBf16PerVector;
      const int globalRow = (isA ? m0 : n0) + row;
      const bool valid = (isA ? globalRow < numRows : globalRow < N) && k < K;
      // An invalid chunk still passes a mapped address (the matrix start).
      const bf16 *matrix = isA ? x : w;
      const bf16 *source =
          valid ? matrix + static_cast<long long>(globalRow) * K + k : matrix;
      bf16 *destination = stage + (isA ? 0 : BM * kLd) + row * kLd +
                          (local % kChunksPerRow) * kBf16PerVector;
      mma::copyAsync16(destination, source, valid);
    }
  }

  /// The warp's MMAs over one stage (BK / 16 k-steps).
  __device__ static void computeStage(const bf16 *stage, int warpM, int warpN,
                                      int lane, float (&acc)[kMmaM][kMmaN][4]) {
    const bf16 *a = stage + (warpM * kWarpM) * kLd;
    const bf16 *b = stage + BM * kLd + (warpN * kWarpN) * kLd;
#pragma unroll
    for (int kk = 0; kk < BK; kk += 16) {
      unsigned aFrag[kMmaM][4];
      unsigned bFrag[kMmaN][2];
#pragma unroll
      for (int i = 0; i < kMmaM; ++i)
        // Lanes 0-15: rows 0-15 at k; lanes 16-31: rows 0-15 at k + 8.
        mma::loadMatrixX4(aFrag[i], a + (i * 16 + lane % 16) * kLd + kk +
                                        (lane / 16) * 8);
#pragma unroll
      for (int j = 0; j < kMmaN; j += 2) {
        // Matrices: (n 0-7, k), (n 0-7, k + 8), (n 8-15, k), (n 8-15, k + 8).
        unsigned r[4];
        const int n = j * 8 + (lane & 7) + ((lane >> 4) << 3);
        mma::loadMatrixX4(r, b + n * kLd + kk + ((lane >> 3) & 1) * 8);
        bFrag[j][0] = r[0];
        bFrag[j][1] = r[1];
        bFrag[j + 1][0] = r[2];
        bFrag[j + 1][1] = r[3];
      }
#pragma unroll
      for (int i = 0; i < kMmaM; ++i)
#pragma unroll
        for (int j = 0; j < kMmaN; ++j)
          mma::mmaBf16(acc[i][j], aFrag[i], bFrag[j][0], bFrag[j][1]);
    }
  }
};

} // namespace kernels
} // namespace llmc
