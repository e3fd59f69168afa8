// Logprobs.cuh: the log-probabilities a request asks for with `logprobs` /
// `top_logprobs`, computed on the device for the token each slot just
// sampled, exactly as the CPU reference does (ref::tokenLogprobs):
//   logZ = max + log(sum_i exp(l_i - max))   in double, over the raw logits
//   logprob(i) = float(l_i - logZ)
//   top n: the n largest logits, ties broken by lower id, ordered by logit
//          descending and then id ascending.
// The top n are found with the sampler's radix select (findTopKBoundary of
// Sampling.cuh): the boundary key of the n-th largest logit and the last id
// that still makes the cut among the ties; the n ids inside it are gathered
// and sorted by one thread (n <= kMaxTopLogprobs).
//
// Agreement with the reference: the sum is taken in another order (and the
// device's double exp/log may differ from the host's by an ulp), so logZ
// differs by ~1e-15 relative and a log-probability, rounded to float, by at
// most an ulp or so. Ids and their order are exact.
//
// Cost, for a slot that asks: one argmax pass, one exp pass in double, the
// four radix passes and one tie pass of the top-n boundary (when n > 0), and
// one gathering pass, over a row that stays in L2. A slot that does not ask
// returns at once.
#pragma once

#include "Common.cuh"
#include "EngineAbi.h"
#include "Sampling.cuh"
#include "SlotState.cuh"

namespace llmc {
namespace kernels {

using engine::kMaxTopLogprobs;
using engine::LogprobRingEntry;

/// For every selected slot (slotIsSelected) with topLogprobs[s] >= 0, writes
/// the log-probability of sampled[s] and of the topLogprobs[s] most likely
/// tokens to ring row (*stepCounter % ringRows), entry s: the row the slot
/// update that follows writes the token to (it runs between the sampler and
/// that update, before the counter moves). Other entries are not touched.
///   logits      fp32 [slots, Vocab]
///   slotMask    int32 [slots] or null (SlotState.cuh's "Slot mask")
///   sampled     int32 [slots] (the sampler's output)
///   ring        LogprobRingEntry [ringRows, slots], pinned host memory
///   stepCounter the slot updates run so far
/// Launch: grid (numSlots), block (Threads), no dynamic shared memory.
template <int Vocab, int Threads> struct LogprobsKernel {
  static_assert(Threads % 32 == 0 && Threads <= 1024,
                "blocks are whole warps, at most 1024 threads");
  static constexpr int kThreads = Threads;
  static constexpr int kMinBlocksPerSm = 1;

  __device__ static void run(const float *logits, const SlotState &state,
                             const int *slotMask, const int *sampled,
                             LogprobRingEntry *ring, int ringRows,
                             const unsigned *stepCounter) {
    __shared__ sampling::SamplerShared<Threads> shared;
    __shared__ int topIds[kMaxTopLogprobs];
    __shared__ int gathered;
    const int slot = blockIdx.x;
    // The whole block leaves together: the conditions are per slot.
    if (slot >= state.numSlots || !slotIsSelected(state, slotMask, slot))
      return;
    const int wanted = state.topLogprobs[slot];
    if (wanted < 0)
      return;
    const float *row = logits + static_cast<long long>(slot) * Vocab;

    const int best = sampling::blockArgmax<Vocab, Threads>(row, shared);
    const double peak = row[best];
    double partial = 0.0;
    for (int i = threadIdx.x; i < Vocab; i += Threads)
      partial += exp(static_cast<double>(row[i]) - peak);
    const double logZ =
        peak + log(sampling::blockSum<Threads>(partial, shared));

    const int n = min(min(wanted, kMaxTopLogprobs), Vocab);
    if (n > 0) {
      const sampling::TopKBoundary boundary =
          sampling::findTopKBoundary<Vocab, Threads>(row, n, shared);
      if (threadIdx.x == 0)
        gathered = 0;
      __syncthreads();
      for (int i = threadIdx.x; i < Vocab; i += Threads)
        if (boundary.keeps(i, sampling::orderedKey(row[i]))) {
          const int at = atomicAdd(&gathered, 1);
          if (at < n)
            topIds[at] = i;
        }
      __syncthreads();
    }
    if (threadIdx.x != 0)
      return;
    // Insertion sort of the n ids by (logit desc, id asc).
    for (int a = 1; a < n; ++a) {
      const int id = topIds[a];
      int b = a;
      while (b > 0 && (row[topIds[b - 1]] < row[id] ||
                       (row[topIds[b - 1]] == row[id] && topIds[b - 1] > id))) {
        topIds[b] = topIds[b - 1];
        --b;
      }
      topIds[b] = id;
    }
    const unsigned ringRow = *stepCounter % static_cast<unsigned>(ringRows);
    LogprobRingEntry *entry =
        ring + static_cast<long long>(ringRow) * state.numSlots + slot;
    entry->logprob =
        static_cast<float>(static_cast<double>(row[sampled[slot]]) - logZ);
    for (int j = 0; j < n; ++j) {
      entry->ids[j] = topIds[j];
      entry->logprobs[j] =
          static_cast<float>(static_cast<double>(row[topIds[j]]) - logZ);
    }
    entry->count = n;
  }
};

} // namespace kernels
} // namespace llmc
