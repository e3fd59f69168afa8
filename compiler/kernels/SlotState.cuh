// SlotState.cuh: the per-slot decode state that lives on the device, and the
// slot update kernel that closes every decode step.
//
// A request is bound to one slot (row s of every decode-phase tensor) from
// admission to finish. Its bookkeeping stays on the device so that a decode
// step needs no host-to-device copy: the sampler reads the sampling parameters
// from here, the update kernel appends the sampled token, advances the
// position, detects the stop conditions and publishes the token to a ring of
// host-visible (pinned) entries that the host reads one step later.
//
// Invariant between steps, for a running slot s:
//   tokens[s]    the token the next step feeds (its k/v are not cached yet)
//   positions[s] that token's position: the next step writes k/v there and
//                attends to positions 0 ..= positions[s]
// The sampler draws with counter step = positions[s] + 1 (the new token's
// position), the same counter the CPU generator uses. The prefill step that
// runs a prompt's last chunk samples and updates that slot itself (see "Slot
// mask"); positions[s] = prompt length - 1 by then (the host sets it), so that
// sample and update are the decode ones.
//
// Masking. A finished slot (finished[s] != 0) is skipped by every kernel: the
// update kernel also sets its position to -1, which the RoPE/KV-write and
// attention kernels already treat as "no sequence". A step the host launched
// before it saw the finish (the one-step overshoot) therefore writes nothing.
//
// Slot mask. The sampler and the update kernel also take `slotMask` (int32
// [S], may be null). Null: every active slot is processed (a decode step).
// Otherwise only the active slots with slotMask[s] >= 0: a prefill step passes
// its logit_rows (the token row of each slot whose prompt ended in this step,
// -1 for the others), so slots still mid-prompt and slots that are decoding
// are neither sampled nor advanced, and their ring entries stay unwritten.
#pragma once

#include "Common.cuh"
#include "EngineAbi.h"

namespace llmc {
namespace kernels {

// The slot state, its finish codes and the token ring entry are the engine
// ABI (EngineAbi.h), shared with the runtime.
using engine::FinishReason;
using engine::kMaxStopIds;
using engine::SlotState;
using engine::TokenRingEntry;

/// True when slot s takes part in a step.
__device__ __forceinline__ bool slotIsActive(const SlotState &state, int s) {
  return state.finished[s] == static_cast<int>(FinishReason::Running) &&
         state.positions[s] >= 0;
}

/// True when slot s is processed by a sampler or update launch given
/// `slotMask` (null: every active slot; else active and slotMask[s] >= 0).
__device__ __forceinline__ bool slotIsSelected(const SlotState &state,
                                               const int *slotMask, int s) {
  return slotIsActive(state, s) && (slotMask == nullptr || slotMask[s] >= 0);
}

/// The sampling counter of slot s at this step: the new token's position.
__device__ __forceinline__ unsigned long long
slotSamplingStep(const SlotState &state, int s) {
  return static_cast<unsigned long long>(state.positions[s]) + 1ull;
}

/// Appends `token` to active slot s and returns the slot's FinishReason after
/// it (the CPU generator's order of checks). Does not touch the ring.
__device__ __forceinline__ FinishReason slotAppendToken(const SlotState &state,
                                                        int s, int token) {
  const int position = state.positions[s] + 1;
  const int generated = state.generated[s] + 1;
  state.tokens[s] = token;
  state.generated[s] = generated;

  const int eos = state.eosIds[s];
  bool stop = eos >= 0 && token == eos;
  const int *stops = state.stopIds + static_cast<long long>(s) * kMaxStopIds;
#pragma unroll
  for (int i = 0; i < kMaxStopIds; ++i)
    stop = stop || (stops[i] >= 0 && token == stops[i]);

  FinishReason reason = FinishReason::Running;
  if (stop)
    reason = FinishReason::StopToken;
  else if (generated >= state.maxNewTokens[s])
    reason = FinishReason::MaxTokens;
  else if (position >= state.contextLimits[s])
    reason = FinishReason::ContextEnd;
  state.finished[s] = static_cast<int>(reason);
  // A finished slot reads as "no sequence" to every position-driven kernel.
  state.positions[s] = reason == FinishReason::Running ? position : -1;
  return reason;
}

/// The slot update at the end of a decode (or final prefill chunk) step:
/// appends sampled[s] to every selected slot (slotIsSelected), detects stops,
/// and writes {token, reason} to ring row (*stepCounter % ringRows), then
/// advances *stepCounter. Other slots and their ring entries are not touched.
///   slotMask    int32 [S] or null (see "Slot mask" above)
///   sampled     int32 [S] (the sampler's output)
///   ring        [ringRows, S] entries in pinned host memory (device-mapped)
///   stepCounter one device word, advanced once per launch
/// Launch: grid (1), block (Threads), no dynamic shared memory. One block, so
/// that reading and advancing the step counter needs no grid-wide ordering;
/// it loops over the slots.
template <int Threads> struct SlotUpdateKernel {
  static constexpr int kThreads = Threads;

  __device__ static void run(const SlotState &state, const int *slotMask,
                             const int *sampled, TokenRingEntry *ring,
                             int ringRows, unsigned *stepCounter) {
    const unsigned row = *stepCounter % static_cast<unsigned>(ringRows);
    TokenRingEntry *entries =
        ring + static_cast<long long>(row) * state.numSlots;
    for (int s = threadIdx.x; s < state.numSlots; s += Threads) {
      if (!slotIsSelected(state, slotMask, s))
        continue;
      const int token = sampled[s];
      TokenRingEntry entry;
      entry.token = token;
      entry.finishReason = static_cast<int>(slotAppendToken(state, s, token));
      // One 8-byte store: the host never sees a token without its reason.
      *reinterpret_cast<int2 *>(entries + s) =
          make_int2(entry.token, entry.finishReason);
    }
    // Every thread has read the counter before it moves.
    __syncthreads();
    // The ring entries reach the host at kernel completion; the host reads a
    // row only after an event recorded behind this kernel has completed.
    if (threadIdx.x == 0)
      *stepCounter += 1u;
  }
};

} // namespace kernels
} // namespace llmc
