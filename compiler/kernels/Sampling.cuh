// Sampling.cuh: per-slot token sampling from fp32 logits [slots, Vocab],
// drawing exactly the token the CPU reference (runtime/reference/Sampling.cpp)
// draws for the same logits, parameters and (seed, step).
//
// The reference procedure, and how each step is done here without a sort
// (one block per slot; every pass reads the slot's logits row, which stays in
// L2 between passes):
//   0. temperature 0: argmax, lowest id on ties (one pass, block reduction).
//   1. p_i = exp((l_i - max) / T) / sum, in double, recomputed on the fly.
//   2. top-k: the k most probable tokens, ties by lower id. p is monotone in
//      the logit, so this is the k largest logits: a radix select over the
//      order-preserving 32-bit keys of the logits (4 passes of 8-bit digits
//      with shared-memory count histograms) finds the k-th key tau; keys above
//      tau are kept, and of the keys equal to tau the lowest ids, up to k.
//   3. top-p: ordered by (p desc, id asc), the shortest prefix whose mass
//      reaches top_p * (kept mass). The same radix select with mass
//      histograms finds the key kappa at which the descending mass crosses
//      the target; keys above kappa are kept, and of the keys equal to kappa
//      (all of the same p) the lowest ids until the running mass reaches the
//      target.
//   4. u = uniformFromCounter(seed, step) (SplitMix64, bit-exact); walking the
//      kept tokens in ascending id, the first whose running mass exceeds
//      u * (kept mass): a segmented scan (per-warp totals, then one warp scans
//      the segment that holds the crossing).
// Agreement. Sums are formed in another order than the reference's sequential
// loops (and exp may differ from the host's by an ulp), so a draw can differ
// only where the reference's own decision hangs on rounding: u * mass or
// top_p * mass within ~1e-12 (relative) of a boundary between two tokens'
// cumulative masses. Random logits land there with negligible probability;
// exact ties can land on it exactly (top_p 0.5 of an even number of tied
// tokens): then either neighbour is a correct reading of the definition, and
// the two implementations may pick different ones.
//
// Cost: up to ~15 passes over the row (~8 of them with a double exp per
// element); on an H200, 40 slots of a 128256 vocabulary with mixed top-k/top-p
// took ~2 ms, greedy ~0.1 ms. Not tuned yet.
#pragma once

#include "Common.cuh"
#include "SlotState.cuh"

namespace llmc {
namespace kernels {
namespace sampling {

//===----------------------------------------------------------------------===//
// The reference's counter-based uniform
//===----------------------------------------------------------------------===//

/// SplitMix64's output function (a bijective 64-bit mixer).
__device__ __forceinline__ unsigned long long splitMix64(unsigned long long z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// Uniform float in [0, 1) from (seed, step), bit-identical to
/// llmc::ref::uniformFromCounter.
__device__ __forceinline__ float uniformFromCounter(unsigned long long seed,
                                                    unsigned long long step) {
  const unsigned long long z = splitMix64(seed + 0x9e3779b97f4a7c15ull) +
                               (step + 1ull) * 0x9e3779b97f4a7c15ull;
  return static_cast<float>(splitMix64(z) >> 40) * (1.0f / 16777216.0f);
}

/// An unsigned key with the order of the floats, equal exactly when the
/// floats compare equal: a > b <=> key(a) > key(b), a == b <=> key(a) ==
/// key(b) (non-NaN values). -0 maps to +0's key: they are equal logits, so
/// equally probable, and the reference orders them by id like any tie.
__device__ __forceinline__ unsigned orderedKey(float value) {
  const unsigned bits = value == 0.0f ? 0u : __float_as_uint(value);
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

//===----------------------------------------------------------------------===//
// Block-level building blocks
//===----------------------------------------------------------------------===//

__device__ __forceinline__ double shuffleXor(double value, int mask) {
  const int hi = __shfl_xor_sync(0xffffffffu, __double2hiint(value), mask);
  const int lo = __shfl_xor_sync(0xffffffffu, __double2loint(value), mask);
  return __hiloint2double(hi, lo);
}

__device__ __forceinline__ double shuffleUp(double value, int delta) {
  const int hi = __shfl_up_sync(0xffffffffu, __double2hiint(value), delta);
  const int lo = __shfl_up_sync(0xffffffffu, __double2loint(value), delta);
  return __hiloint2double(hi, lo);
}

__device__ __forceinline__ double shuffle(double value, int lane) {
  const int hi = __shfl_sync(0xffffffffu, __double2hiint(value), lane);
  const int lo = __shfl_sync(0xffffffffu, __double2loint(value), lane);
  return __hiloint2double(hi, lo);
}

__device__ __forceinline__ double warpSum(double value) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1)
    value += shuffleXor(value, offset);
  return value;
}

__device__ __forceinline__ int warpMaxInt(int value) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1)
    value = max(value, __shfl_xor_sync(0xffffffffu, value, offset));
  return value;
}

/// Shared memory of one sampling block.
template <int Threads> struct SamplerShared {
  static constexpr int kWarps = Threads / 32;
  /// Histogram copies: warps w and w + kCopies share one, which keeps the
  /// atomics of different warps apart without 16 copies of 3 KiB.
  static constexpr int kCopies = kWarps < 8 ? kWarps : 8;
  unsigned counts[kCopies][256];
  double masses[kCopies][256];
  double warpDouble[kWarps];
  int warpInt[kWarps];
  float warpFloat[kWarps];
  double broadcastDouble;
  int broadcastInt;
  int crossingWarp;
};

/// Sum of `value` over the block, returned to every thread.
template <int Threads>
__device__ double blockSum(double value, SamplerShared<Threads> &shared) {
  constexpr int kWarps = Threads / 32;
  value = warpSum(value);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0)
    shared.warpDouble[warp] = value;
  __syncthreads();
  if (threadIdx.x == 0) {
    // Warp order fixed: the block sum is deterministic.
    double total = 0.0;
    for (int w = 0; w < kWarps; ++w)
      total += shared.warpDouble[w];
    shared.broadcastDouble = total;
  }
  __syncthreads();
  return shared.broadcastDouble;
}

/// argmax of row[0 .. Vocab), the lowest index winning ties (the reference's
/// strict '>' scan), returned to every thread.
template <int Vocab, int Threads>
__device__ int blockArgmax(const float *row, SamplerShared<Threads> &shared) {
  constexpr int kWarps = Threads / 32;
  const int start = threadIdx.x < Vocab ? threadIdx.x : 0;
  float best = row[start];
  int index = start;
  for (int i = threadIdx.x + Threads; i < Vocab; i += Threads) {
    const float v = row[i];
    if (v > best) { // ascending ids per thread: strict keeps the lowest
      best = v;
      index = i;
    }
  }
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) {
    const float otherBest = __shfl_xor_sync(0xffffffffu, best, offset);
    const int otherIndex = __shfl_xor_sync(0xffffffffu, index, offset);
    if (otherBest > best || (otherBest == best && otherIndex < index)) {
      best = otherBest;
      index = otherIndex;
    }
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) {
    shared.warpFloat[warp] = best;
    shared.warpInt[warp] = index;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < kWarps; ++w) {
      const float b = shared.warpFloat[w];
      const int i = shared.warpInt[w];
      if (b > best || (b == best && i < index)) {
        best = b;
        index = i;
      }
    }
    shared.broadcastInt = index;
  }
  __syncthreads();
  return shared.broadcastInt;
}

/// histogram[digit] += mass for every lane of the warp whose digit is < 256
/// (`leader`: the lowest lane of those sharing the lane's digit). Logits
/// cluster in a few top-byte digits (and tied logits share every digit), so
/// one atomic per lane would serialize on a handful of addresses: when the
/// warp holds at most 4 distinct digits, each group's mass is summed across
/// the warp first and added once.
__device__ __forceinline__ void addMassAggregated(double *histogram, int digit,
                                                  double mass, bool leader) {
  const unsigned leaders = __ballot_sync(0xffffffffu, leader && digit < 256);
  if (__popc(leaders) > 4) {
    if (digit < 256)
      atomicAdd(&histogram[digit], mass);
    return;
  }
  const int lane = threadIdx.x % 32;
  for (unsigned remaining = leaders; remaining != 0u;
       remaining &= remaining - 1u) {
    const int groupLeader = __ffs(remaining) - 1;
    const int groupDigit = __shfl_sync(0xffffffffu, digit, groupLeader);
    const double sum = warpSum(digit == groupDigit ? mass : 0.0);
    if (lane == groupLeader)
      atomicAdd(&histogram[groupDigit], sum);
  }
}

/// Result of a descending radix select.
struct Selection {
  unsigned key; ///< the selected key K
  double above; ///< total weight of the selected elements with key > K
};

/// Radix select, descending: over the elements i with include(i, key_i), the
/// key K with weight(key > K) < target <= weight(key >= K). Weighted=false
/// counts elements (weight 1; exact); Weighted=true weighs element i with
/// weight(i). When rounding leaves the total weight short of the target, the
/// smallest included key is selected. Every thread gets the result.
template <int Vocab, int Threads, bool Weighted, typename Include,
          typename Weight>
__device__ Selection selectDescending(const float *row, Include include,
                                      Weight weight, double target,
                                      SamplerShared<Threads> &shared) {
  using Shared = SamplerShared<Threads>;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int copy = warp % Shared::kCopies;
  unsigned prefix = 0, prefixMask = 0;
  double above = 0.0;
  for (int shift = 24; shift >= 0; shift -= 8) {
    for (int i = threadIdx.x; i < Shared::kCopies * 256; i += Threads) {
      (&shared.counts[0][0])[i] = 0u;
      (&shared.masses[0][0])[i] = 0.0;
    }
    __syncthreads();
    // Every lane runs the same iterations (match_any needs the whole warp).
    for (int base = 0; base < Vocab; base += Threads) {
      const int i = base + threadIdx.x;
      int digit = 256; // not counted
      if (i < Vocab) {
        const unsigned key = orderedKey(row[i]);
        if ((key & prefixMask) == prefix && include(i, key))
          digit = static_cast<int>((key >> shift) & 255u);
      }
      const unsigned peers = __match_any_sync(0xffffffffu, digit);
      const bool leader = lane == __ffs(peers) - 1;
      if (digit < 256 && leader)
        atomicAdd(&shared.counts[copy][digit], __popc(peers));
      if (Weighted)
        addMassAggregated(shared.masses[copy], digit,
                          digit < 256 ? weight(i) : 0.0, leader);
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      // Highest digit first; the first where the running weight reaches the
      // target holds K.
      int chosen = -1, lowest = -1;
      double running = above, runningAtLowest = above;
      for (int d = 255; d >= 0; --d) {
        unsigned count = 0;
        double mass = 0.0;
        for (int c = 0; c < Shared::kCopies; ++c) {
          count += shared.counts[c][d];
          mass += shared.masses[c][d];
        }
        if (count == 0)
          continue;
        const double w = Weighted ? mass : static_cast<double>(count);
        if (running + w >= target) {
          chosen = d;
          break;
        }
        lowest = d;
        runningAtLowest = running;
        running += w;
      }
      if (chosen < 0) { // rounding: take the last populated digit
        chosen = lowest;
        running = runningAtLowest;
      }
      shared.broadcastInt = chosen;
      shared.broadcastDouble = running;
    }
    __syncthreads();
    prefix |= static_cast<unsigned>(shared.broadcastInt) << shift;
    prefixMask |= 255u << shift;
    above = shared.broadcastDouble;
    __syncthreads(); // the broadcast slots are rewritten by the next pass
  }
  return Selection{prefix, above};
}

/// Result of a first-crossing scan.
struct Crossing {
  int index;        ///< first crossing element, -1 when none
  int lastIncluded; ///< largest included index, -1 when none
};

/// Walks the included elements in ascending index order with a running sum
/// starting at `initial`; returns the first element after whose term the sum
/// is > threshold (OrEqual: >= threshold). term(i, w) says whether element i
/// is included and sets its weight w. Every thread gets the result.
template <int Vocab, int Threads, bool OrEqual, typename Term>
__device__ Crossing firstCrossing(Term term, double initial, double threshold,
                                  SamplerShared<Threads> &shared) {
  constexpr int kWarps = Threads / 32;
  // Warp w owns the contiguous segment [w * kSegment, (w + 1) * kSegment).
  constexpr int kSegment = ceilDiv(ceilDiv(Vocab, kWarps), 32) * 32;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int segmentBegin = warp * kSegment;
  const int segmentEnd = min(segmentBegin + kSegment, Vocab);
  auto crosses = [&](double sum) {
    return OrEqual ? sum >= threshold : sum > threshold;
  };

  double total = 0.0;
  int last = -1;
  for (int i = segmentBegin + lane; i < segmentEnd; i += 32) {
    double w;
    if (term(i, w)) {
      total += w;
      last = i;
    }
  }
  total = warpSum(total);
  last = warpMaxInt(last);
  if (lane == 0) {
    shared.warpDouble[warp] = total;
    shared.warpInt[warp] = last;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    double running = initial;
    int crossingWarp = -1, lastIncluded = -1;
    for (int w = 0; w < kWarps; ++w) {
      lastIncluded = max(lastIncluded, shared.warpInt[w]);
      if (crossingWarp < 0 && shared.warpInt[w] >= 0) {
        if (crosses(running + shared.warpDouble[w])) {
          crossingWarp = w;
          shared.broadcastDouble = running;
        }
        running += shared.warpDouble[w];
      }
    }
    shared.crossingWarp = crossingWarp;
    shared.broadcastInt = lastIncluded;
  }
  __syncthreads();
  Crossing result{-1, shared.broadcastInt};
  const int crossingWarp = shared.crossingWarp;
  if (crossingWarp < 0)
    return result;
  __syncthreads(); // everyone has read the broadcast slots
  if (warp == crossingWarp) {
    double carry = shared.broadcastDouble;
    int found = -1;
    for (int base = segmentBegin; base < segmentEnd && found < 0; base += 32) {
      const int i = base + lane;
      double w = 0.0;
      const bool included = i < segmentEnd && term(i, w);
      if (!included)
        w = 0.0;
      // Inclusive scan of the 32 terms.
      double scan = w;
#pragma unroll
      for (int delta = 1; delta < 32; delta <<= 1) {
        const double other = shuffleUp(scan, delta);
        if (lane >= delta)
          scan += other;
      }
      const unsigned hits =
          __ballot_sync(0xffffffffu, included && crosses(carry + scan));
      if (hits != 0u)
        found = base + __ffs(hits) - 1;
      carry += shuffle(scan, 31);
    }
    // Sums in another order can leave the crossing a hair past the segment:
    // it is then the segment's last included element.
    if (lane == 0)
      shared.broadcastInt = found >= 0 ? found : shared.warpInt[warp];
  }
  __syncthreads();
  result.index = shared.broadcastInt;
  __syncthreads();
  return result;
}

/// The k largest logits of a row, ties at the k-th broken by lower id:
/// element i (with key orderedKey(row[i])) is one of them when key > tau, or
/// key == tau and i <= tauLast.
struct TopKBoundary {
  unsigned tau;
  int tauLast;
  __device__ __forceinline__ bool keeps(int i, unsigned key) const {
    return key > tau || (key == tau && i <= tauLast);
  }
};

/// The boundary of the k largest logits of row[0 .. Vocab); k <= 0 or
/// k >= Vocab keeps everything. A radix select finds tau, then the lowest ids
/// among the keys equal to tau make up the rest. Every thread gets it.
template <int Vocab, int Threads>
__device__ TopKBoundary findTopKBoundary(const float *row, int k,
                                         SamplerShared<Threads> &shared) {
  TopKBoundary boundary{0u, Vocab - 1};
  if (k <= 0 || k >= Vocab)
    return boundary;
  const Selection selection = selectDescending<Vocab, Threads, false>(
      row, [](int, unsigned) { return true; }, [](int) { return 1.0; },
      static_cast<double>(k), shared);
  boundary.tau = selection.key;
  const double needed = static_cast<double>(k) - selection.above;
  const unsigned tau = boundary.tau;
  const Crossing crossing = firstCrossing<Vocab, Threads, true>(
      [&](int i, double &w) {
        w = 1.0;
        return orderedKey(row[i]) == tau;
      },
      0.0, needed, shared);
  boundary.tauLast = crossing.index >= 0 ? crossing.index : Vocab - 1;
  return boundary;
}

/// The reference's sampling procedure for one row of logits (see the file
/// comment). Every thread of the block calls it and gets the token.
template <int Vocab, int Threads>
__device__ int sampleRow(const float *row, float temperature, int topK,
                         float topP, unsigned long long seed,
                         unsigned long long step,
                         SamplerShared<Threads> &shared) {
  const int best = blockArgmax<Vocab, Threads>(row, shared);
  if (temperature == 0.0f || Vocab == 1)
    return best;

  const double maxLogit = row[best];
  const double t = temperature;
  double partial = 0.0;
  for (int i = threadIdx.x; i < Vocab; i += Threads)
    partial += exp((static_cast<double>(row[i]) - maxLogit) / t);
  const double total = blockSum<Threads>(partial, shared);
  auto probability = [&](int i) {
    return exp((static_cast<double>(row[i]) - maxLogit) / t) / total;
  };

  // Top-k: kept_k(i) = key > tau || (key == tau && i <= tauLast).
  const TopKBoundary topKBoundary =
      findTopKBoundary<Vocab, Threads>(row, topK, shared);
  auto keptByTopK = [&](int i, unsigned key) {
    return topKBoundary.keeps(i, key);
  };

  // Top-p over the top-k survivors: kept(i) = kept_k(i) && (key > kappa ||
  // (key == kappa && i <= kappaLast)).
  unsigned kappa = 0u;
  int kappaLast = Vocab - 1;
  if (topP < 1.0f) {
    partial = 0.0;
    for (int i = threadIdx.x; i < Vocab; i += Threads)
      if (keptByTopK(i, orderedKey(row[i])))
        partial += probability(i);
    const double keptMass = blockSum<Threads>(partial, shared);
    const double target = static_cast<double>(topP) * keptMass;
    const Selection selection = selectDescending<Vocab, Threads, true>(
        row, keptByTopK, probability, target, shared);
    kappa = selection.key;
    const Crossing crossing = firstCrossing<Vocab, Threads, true>(
        [&](int i, double &w) {
          const unsigned key = orderedKey(row[i]);
          if (key != kappa || !keptByTopK(i, key))
            return false;
          w = probability(i);
          return true;
        },
        selection.above, target, shared);
    kappaLast = crossing.index >= 0 ? crossing.index : Vocab - 1;
  }
  auto kept = [&](int i, unsigned key) {
    return keptByTopK(i, key) &&
           (key > kappa || (key == kappa && i <= kappaLast));
  };

  // The draw: first kept id (ascending) whose running mass exceeds u * mass.
  partial = 0.0;
  for (int i = threadIdx.x; i < Vocab; i += Threads)
    if (kept(i, orderedKey(row[i])))
      partial += probability(i);
  const double keptTotal = blockSum<Threads>(partial, shared);
  const double threshold =
      static_cast<double>(uniformFromCounter(seed, step)) * keptTotal;
  const Crossing crossing = firstCrossing<Vocab, Threads, false>(
      [&](int i, double &w) {
        if (!kept(i, orderedKey(row[i])))
          return false;
        w = probability(i);
        return true;
      },
      0.0, threshold, shared);
  return crossing.index >= 0 ? crossing.index : crossing.lastIncluded;
}

} // namespace sampling

/// Samples one token per selected slot from logits fp32 [slots, Vocab] with
/// the slot's temperature, top-k, top-p and seed, at counter step
/// positions[s] + 1, and writes it to sampled[s] (int32 [slots]).
///   slotMask int32 [slots] or null: null samples every active slot, else
///            only the active slots with slotMask[s] >= 0 (slotIsSelected);
///            the other slots' sampled entries are not written.
/// Launch: grid (numSlots), block (Threads), no dynamic shared memory. The
/// wrapper should declare __launch_bounds__(kThreads, kMinBlocksPerSm): with
/// the thread count alone ptxas trades registers for occupancy and spills,
/// which one block per slot does not need.
template <int Vocab, int Threads> struct SamplingKernel {
  static_assert(Threads % 32 == 0 && Threads <= 1024,
                "blocks are whole warps, at most 1024 threads");
  static constexpr int kThreads = Threads;
  static constexpr int kMinBlocksPerSm = 1;

  __device__ static void run(const float *logits, const SlotState &state,
                             const int *slotMask, int *sampled) {
    __shared__ sampling::SamplerShared<Threads> shared;
    const int slot = blockIdx.x;
    if (slot >= state.numSlots || !slotIsSelected(state, slotMask, slot))
      return;
    const float *row = logits + static_cast<long long>(slot) * Vocab;
    const int token = sampling::sampleRow<Vocab, Threads>(
        row, state.temperatures[slot], state.topKs[slot], state.topPs[slot],
        state.seeds[slot], slotSamplingStep(state, slot), shared);
    if (threadIdx.x == 0)
      sampled[slot] = token;
  }
};

} // namespace kernels
} // namespace llmc
