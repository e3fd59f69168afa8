// TokenRing: how sampled tokens come back to the host without a copy. The
// slot update kernel (SlotState.cuh) writes each slot's {token, finish
// reason} into a ring of pinned, device-mapped entries, one row of max_slots
// entries per slot update, picking the row with a step counter it keeps on
// the device. For the slots whose request asks for log-probabilities, the
// Logprobs kernel writes a second ring beside it, entry for entry
// (engine::LogprobRingEntry). The host reads a step's row once the step's
// event has completed, and clears what it read so that the row reads empty
// when it comes round again.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/DeviceBuffer.h"
#include "runtime/cuda/PinnedBuffer.h"
#include "runtime/serving/StepPlan.h"

#include <cstdint>
#include <vector>

namespace llmc::gpu {

class TokenRing {
public:
  /// `rows` rows of `slots` empty entries, and a zeroed step counter.
  static StatusOr<TokenRing> allocate(const cuda::CudaDriver &driver, int rows,
                                      int64_t slots);
  TokenRing() = default;

  int rows() const { return rows_; }
  /// The ring as the kernels address it (input "token_ring").
  CUdeviceptr entries() const { return CUdeviceptr(ring_.data()); }
  /// The log-probability ring (input "logprob_ring").
  CUdeviceptr logprobEntries() const {
    return CUdeviceptr(logprobRing_.data());
  }
  /// The device's count of slot updates (input "step_counter").
  CUdeviceptr stepCounter() const { return stepCounter_.pointer(); }

  /// What slot update `updateIndex` wrote, slot by slot (with the
  /// log-probabilities of the slots that asked), clearing the entries read.
  /// Its step must have completed.
  std::vector<serving::SlotEvent> take(uint64_t updateIndex);

private:
  int rows_ = 0;
  int64_t slots_ = 0;
  cuda::DeviceBuffer stepCounter_;
  cuda::PinnedBuffer ring_;
  cuda::PinnedBuffer logprobRing_; ///< beside ring_, entry for entry
};

} // namespace llmc::gpu
