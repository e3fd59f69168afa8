// Embed.cuh: token embedding gather, out[t, :] = table[ids[t], :].
//
// One block per token row copies Dim bf16 with 128-bit loads and stores; the
// table is the bf16 [Vocab, Dim] embedding weight. An id outside [0, Vocab)
// (a padding slot, a corrupt token) yields a zero row instead of a read out of
// bounds.
#pragma once

#include "Common.cuh"

namespace llmc {
namespace kernels {

/// Gather of embedding rows.
///   ids   int32 [T]
///   table bf16 [Vocab, Dim]
///   out   bf16 [T, Dim]
/// Launch: grid (T), block (Threads), no dynamic shared memory.
template <int Vocab, int Dim, int Threads> struct Embed {
  static_assert(Dim % kBf16PerVector == 0, "Dim must be a multiple of 8");
  static constexpr int kThreads = Threads;
  static constexpr int kVectors = Dim / kBf16PerVector;

  __device__ static void run(const int *ids, const bf16 *table, bf16 *out,
                             int numTokens) {
    const int t = blockIdx.x;
    if (t >= numTokens)
      return;
    const int id = ids[t];
    const bool valid = id >= 0 && id < Vocab;
    const bf16 *row = table + static_cast<long long>(valid ? id : 0) * Dim;
    bf16 *dst = out + static_cast<long long>(t) * Dim;
    for (int v = threadIdx.x; v < kVectors; v += Threads) {
      uint4 vector =
          valid ? loadVector(row + v * kBf16PerVector) : make_uint4(0, 0, 0, 0);
      storeVector(dst + v * kBf16PerVector, vector);
    }
  }
};

} // namespace kernels
} // namespace llmc
