// Arena placement: greedy by size with best fit among the live buffers (see
// ArenaPlanner.h). Placing the largest buffers first keeps small ones from
// fragmenting the arena; choosing the tightest gap leaves the large gaps for
// the buffers that need them.
#include "passes/ArenaPlanner.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <numeric>

namespace llmc {

namespace {

uint64_t alignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) & ~(alignment - 1);
}

/// A byte range [begin, end) already taken.
struct Taken {
  uint64_t begin, end;
};

} // namespace

ArenaPlan planArena(const std::vector<ArenaBuffer> &buffers,
                    uint64_t alignment) {
  assert(alignment > 0 && (alignment & (alignment - 1)) == 0 &&
         "alignment must be a power of two");
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (buffers[a].bytes != buffers[b].bytes)
      return buffers[a].bytes > buffers[b].bytes;
    return buffers[a].firstStep < buffers[b].firstStep;
  });

  ArenaPlan plan;
  plan.offsets.assign(buffers.size(), 0);
  std::vector<bool> placed(buffers.size(), false);
  for (size_t index : order) {
    const ArenaBuffer &buffer = buffers[index];
    std::vector<Taken> taken;
    for (size_t other = 0; other < buffers.size(); ++other)
      if (placed[other] && buffers[other].livesWith(buffer))
        taken.push_back(
            {plan.offsets[other], plan.offsets[other] + buffers[other].bytes});
    std::sort(taken.begin(), taken.end(),
              [](const Taken &a, const Taken &b) { return a.begin < b.begin; });

    // The smallest gap between (or before) the taken ranges that fits;
    // else right after the last of them.
    uint64_t best = 0, bestGap = std::numeric_limits<uint64_t>::max();
    bool found = false;
    uint64_t cursor = 0;
    for (const Taken &range : taken) {
      uint64_t start = alignUp(cursor, alignment);
      if (range.begin > start && range.begin - start >= buffer.bytes &&
          range.begin - start < bestGap) {
        best = start;
        bestGap = range.begin - start;
        found = true;
      }
      cursor = std::max(cursor, range.end);
    }
    plan.offsets[index] = found ? best : alignUp(cursor, alignment);
    placed[index] = true;
    plan.arenaBytes =
        std::max(plan.arenaBytes, plan.offsets[index] + buffer.bytes);
  }
  plan.arenaBytes = alignUp(plan.arenaBytes, alignment);
  return plan;
}

} // namespace llmc
