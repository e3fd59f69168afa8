// StepQueue: the steps queued on an engine's stream, each with a ticket, and
// the host-to-device input staging that goes with them.
//
// A step holds one of a fixed ring of step slots from the moment its first
// input is staged until it is collected: a pinned staging area its copies
// read from (untouched until the step has completed, so the copies may run
// late) and the two timing events recorded around its work. A step whose
// slot is still held by an uncollected step cannot be queued, which bounds
// how many steps are in flight. Single words that change between steps (a
// block-table entry, a released slot's flags) are set by a 4-byte memset
// instead, which moves nothing over PCIe; both kinds of write are counted for
// the step-copy audit.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/Event.h"
#include "runtime/cuda/PinnedBuffer.h"
#include "runtime/cuda/Stream.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace llmc::gpu {

/// A queued step, to wait for and collect.
struct StepTicket {
  uint64_t index = 0;       ///< steps queued before this one
  bool sampled = false;     ///< whether it ran a slot update
  uint64_t updateIndex = 0; ///< which slot update (its ring row is this % rows)
};

class StepQueue {
public:
  /// `steps` step slots of `stagingBytes` each, for work on `stream`.
  static StatusOr<StepQueue> create(const cuda::CudaDriver &driver,
                                    const cuda::Stream &stream, int steps,
                                    std::size_t stagingBytes);
  StepQueue() = default;

  /// Copies `bytes` of `host` into the next step's staging and queues the
  /// copy to `target`. Fails when that step's slot is still held.
  Status copyStaged(const void *host, std::size_t bytes, CUdeviceptr target);
  /// Queues setting the 32-bit word at `target` to `value`.
  Status setWord(CUdeviceptr target, int32_t value);

  /// Starts the next step: records its start event.
  StatusOr<StepTicket> begin();
  /// Marks `ticket` as running the next slot update (ring row).
  void markSampled(StepTicket &ticket) {
    ticket.sampled = true;
    ticket.updateIndex = updatesQueued_++;
  }
  /// Ends `ticket`'s step: records its end event; the step is in flight.
  Status end(StepTicket &ticket);

  /// Blocks until `ticket`'s step has run; fails when it was collected.
  Status wait(const StepTicket &ticket) const;
  /// Frees `ticket`'s step slot for a later step.
  void retire(const StepTicket &ticket);

  /// Milliseconds between `ticket`'s start and end events.
  StatusOr<float> gpuMilliseconds(const StepTicket &ticket) const;
  /// Milliseconds between the previous step's end and `ticket`'s start.
  StatusOr<float> gapBeforeMilliseconds(const StepTicket &ticket) const;
  /// Fails unless `ticket` has been collected (and not reused since).
  Status checkCollected(const StepTicket &ticket) const;

  /// Host-to-device copies queued so far.
  uint64_t hostToDeviceCopies() const { return hostToDeviceCopies_; }
  /// Device words set by memset so far.
  uint64_t wordWrites() const { return wordWrites_; }

private:
  /// Staging memory and timing events of one in-flight step.
  struct StepSlot {
    cuda::PinnedBuffer staging;
    std::size_t used = 0;
    std::optional<cuda::Event> start, end;
    bool pending = false;   ///< queued and not collected yet
    uint64_t stepIndex = 0; ///< the step that holds it
  };

  /// The slot of the next step; fails when it is still held by an
  /// uncollected step.
  StatusOr<StepSlot *> nextStep();
  StepSlot &slotOf(uint64_t stepIndex) const {
    return *steps_[stepIndex % steps_.size()];
  }

  const cuda::CudaDriver *driver_ = nullptr;
  const cuda::Stream *stream_ = nullptr;
  std::vector<std::unique_ptr<StepSlot>> steps_;
  uint64_t stepsQueued_ = 0;
  uint64_t updatesQueued_ = 0;
  uint64_t hostToDeviceCopies_ = 0;
  uint64_t wordWrites_ = 0;
};

} // namespace llmc::gpu
