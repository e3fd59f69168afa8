// Common.cuh: the small device helpers every kernel of the library shares.
//
// bf16 values travel as their raw 16-bit patterns (`bf16`, the same bits the
// host's floatToBf16 writes), converted with single PTX instructions. The
// library therefore needs no toolkit header (cuda_bf16.h): NVRTC compiles it
// with nothing but the embedded headers, in the compiler and in the runtime.
//
// Also here: 128-bit vector loads and stores of 8 bf16 values, warp and block
// reductions, the programmatic-dependent-launch controls, ceil-div, and the
// paged KV-cache addressing shared by the kernels that write the cache (RoPE)
// and those that read it (attention).
#pragma once

namespace llmc {
namespace kernels {

/// A bf16 value as stored in memory: its raw bits.
typedef unsigned short bf16;

/// ceil(a / b) for positive integers; usable in constant expressions.
template <typename T> __host__ __device__ constexpr T ceilDiv(T a, T b) {
  return (a + b - 1) / b;
}

//===----------------------------------------------------------------------===//
// bf16 <-> fp32
//===----------------------------------------------------------------------===//

__device__ __forceinline__ float bf16ToFloat(bf16 value) {
  return __uint_as_float(static_cast<unsigned>(value) << 16);
}

/// Round to nearest even (the hardware conversion; NaN stays NaN).
__device__ __forceinline__ bf16 floatToBf16(float value) {
  unsigned short bits;
  asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(bits) : "f"(value));
  return bits;
}

/// Two floats as a bf16x2 word: `low` in bits 0..15 (the lower address),
/// `high` in bits 16..31.
__device__ __forceinline__ unsigned packBf16x2(float low, float high) {
  unsigned word;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(word) : "f"(high), "f"(low));
  return word;
}

__device__ __forceinline__ float bf16x2Low(unsigned word) {
  return __uint_as_float(word << 16);
}
__device__ __forceinline__ float bf16x2High(unsigned word) {
  return __uint_as_float(word & 0xffff0000u);
}

//===----------------------------------------------------------------------===//
// 128-bit vectors of 8 bf16
//===----------------------------------------------------------------------===//

/// Number of bf16 values in one 128-bit access.
constexpr int kBf16PerVector = 8;

/// Loads 8 consecutive bf16 (16-byte aligned) through the read-only path.
__device__ __forceinline__ uint4 loadVector(const bf16 *source) {
  return __ldg(reinterpret_cast<const uint4 *>(source));
}

/// Loads 8 consecutive bf16 (16-byte aligned) through the ordinary path, for
/// data the same kernel may have written (residual streams, caches).
__device__ __forceinline__ uint4 loadVectorCoherent(const bf16 *source) {
  return *reinterpret_cast<const uint4 *>(source);
}

/// Widens a vector of 8 bf16 to floats (element 0 is the lowest address).
__device__ __forceinline__ void unpackVector(uint4 vector, float (&out)[8]) {
  out[0] = bf16x2Low(vector.x);
  out[1] = bf16x2High(vector.x);
  out[2] = bf16x2Low(vector.y);
  out[3] = bf16x2High(vector.y);
  out[4] = bf16x2Low(vector.z);
  out[5] = bf16x2High(vector.z);
  out[6] = bf16x2Low(vector.w);
  out[7] = bf16x2High(vector.w);
}

/// Rounds 8 floats to bf16 and packs them as one vector.
__device__ __forceinline__ uint4 packVector(const float (&values)[8]) {
  uint4 vector;
  vector.x = packBf16x2(values[0], values[1]);
  vector.y = packBf16x2(values[2], values[3]);
  vector.z = packBf16x2(values[4], values[5]);
  vector.w = packBf16x2(values[6], values[7]);
  return vector;
}

/// Stores 8 bf16 (16-byte aligned).
__device__ __forceinline__ void storeVector(bf16 *destination, uint4 vector) {
  *reinterpret_cast<uint4 *>(destination) = vector;
}

//===----------------------------------------------------------------------===//
// Programmatic dependent launch (sm_90+)
//===----------------------------------------------------------------------===//
//
// A launch with programmatic stream serialization may start before the
// previous kernel on its stream has finished: as soon as every block of that
// kernel has signalled launchDependentGrids (or exited). The dependent kernel
// must then call waitForPrerequisiteGrid before it touches anything the
// previous kernel writes or reads; the wait returns once that kernel has
// completed and its writes are visible. Work that depends on neither (weight
// prefetches, index math) goes before the wait, and overlaps the previous
// kernel's tail. Every generated wrapper signals at entry and waits before
// the template runs, so a chain of launches stays ordered transitively.
//
// Written as PTX because NVRTC compiles without the runtime's intrinsics. On
// sm_80/89 (no PDL) both are empty, and without the launch attribute the wait
// returns at once.

__device__ __forceinline__ void launchDependentGrids() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

__device__ __forceinline__ void waitForPrerequisiteGrid() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

/// Asks the L2 to fetch the 128-byte line holding `address` (no register,
/// no wait): for data that does not depend on the previous kernel.
__device__ __forceinline__ void prefetchL2(const void *address) {
  asm volatile("prefetch.global.L2 [%0];" ::"l"(address));
}

//===----------------------------------------------------------------------===//
// Thread-block clusters (sm_90): blocks of one cluster read each other's
// shared memory (distributed shared memory) between cluster barriers. Used
// where a reduction across blocks would otherwise need a global workspace
// and a second launch. PTX, for NVRTC; the callers are instantiated for
// sm_90 and newer only, and trap elsewhere.
//===----------------------------------------------------------------------===//

/// This block's rank in its cluster.
__device__ __forceinline__ unsigned clusterRank() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  unsigned rank;
  asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(rank));
  return rank;
#else
  __trap();
  return 0;
#endif
}

/// Every thread of the cluster's blocks arrives (releasing its shared-memory
/// writes) ...
__device__ __forceinline__ void clusterArrive() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("barrier.cluster.arrive.release.aligned;" ::: "memory");
#else
  __trap();
#endif
}

/// ... and waits for all the others (acquiring theirs).
__device__ __forceinline__ void clusterWait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("barrier.cluster.wait.acquire.aligned;" ::: "memory");
#else
  __trap();
#endif
}

/// Reads the float4 at `local` (an address in this block's shared memory)
/// from the same place in the shared memory of cluster block `rank`.
__device__ __forceinline__ float4 loadClusterShared(const float4 *local,
                                                    unsigned rank) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  unsigned address = static_cast<unsigned>(__cvta_generic_to_shared(local)),
           remote;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;"
               : "=r"(remote)
               : "r"(address), "r"(rank));
  float4 v;
  asm volatile("ld.shared::cluster.v4.f32 {%0, %1, %2, %3}, [%4];"
               : "=f"(v.x), "=f"(v.y), "=f"(v.z), "=f"(v.w)
               : "r"(remote)
               : "memory");
  return v;
#else
  __trap();
  return make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#endif
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

__device__ __forceinline__ float warpReduceSum(float value) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1)
    value += __shfl_xor_sync(0xffffffffu, value, offset);
  return value;
}

__device__ __forceinline__ float warpReduceMax(float value) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1)
    value = fmaxf(value, __shfl_xor_sync(0xffffffffu, value, offset));
  return value;
}

/// Sum of `value` over the block's Threads threads, returned to every thread.
/// `scratch` is shared memory for 32 floats; the call ends with a barrier, so
/// the scratch may be reused right after.
template <int Threads>
__device__ __forceinline__ float blockReduceSum(float value, float *scratch) {
  static_assert(Threads % 32 == 0 && Threads <= 1024,
                "blocks are whole warps, at most 1024 threads");
  constexpr int kWarps = Threads / 32;
  value = warpReduceSum(value);
  if (kWarps == 1)
    return value;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0)
    scratch[warp] = value;
  __syncthreads();
  float total = lane < kWarps ? scratch[lane] : 0.0f;
  total = warpReduceSum(total);
  __syncthreads();
  return total;
}

//===----------------------------------------------------------------------===//
// Paged KV cache (layout: compiler/kernels/README.md)
//===----------------------------------------------------------------------===//

/// Addressing of one layer's K (or V) pool, [block][kv_head][block_size]
/// [head_dim] bf16. The caller passes the layer's base pointer (the pool plus
/// layer * num_blocks * KvHeads * BlockSize * HeadDim elements).
template <int KvHeads, int HeadDim, int BlockSize> struct PagedKvLayout {
  static constexpr long long kBlockElements =
      static_cast<long long>(KvHeads) * BlockSize * HeadDim;

  /// Element offset of (block, kvHead, row within the block, dimension 0).
  __device__ __forceinline__ static long long offset(int block, int kvHead,
                                                     int row) {
    return static_cast<long long>(block) * kBlockElements +
           (static_cast<long long>(kvHead) * BlockSize + row) * HeadDim;
  }

  /// The physical block holding logical `position` of a sequence whose block
  /// table row is `blockTableRow`; -1 when unmapped.
  __device__ __forceinline__ static int block(const int *blockTableRow,
                                              int position) {
    return blockTableRow[position / BlockSize];
  }
};

} // namespace kernels
} // namespace llmc
