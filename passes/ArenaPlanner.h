// ArenaPlanner: offsets for buffers with known sizes and lifetimes inside one
// arena, so that buffers live at the same time never share a byte.
//
// A phase's activations are planned once at compile time for its largest row
// count; the runtime allocates one arena per phase and binds every kernel
// argument to arena + offset. MLIR-free, so that the placement can be tested
// on its own.
#pragma once

#include <cstdint>
#include <vector>

namespace llmc {

/// One buffer to place: its size and the closed interval of steps (launch
/// indices) during which it is live.
struct ArenaBuffer {
  uint64_t bytes = 0;
  int64_t firstStep = 0;
  int64_t lastStep = 0;

  bool livesWith(const ArenaBuffer &other) const {
    return firstStep <= other.lastStep && other.firstStep <= lastStep;
  }
};

struct ArenaPlan {
  std::vector<uint64_t> offsets; ///< one per buffer, in input order
  uint64_t arenaBytes = 0;       ///< a multiple of the alignment
};

/// Places the buffers largest first (ties: earlier first), each at the
/// aligned offset of the smallest gap, among the buffers already placed that
/// live with it, that holds it (the end of them when none does). Every offset
/// is a multiple of `alignment` (a power of two).
ArenaPlan planArena(const std::vector<ArenaBuffer> &buffers,
                    uint64_t alignment);

} // namespace llmc
