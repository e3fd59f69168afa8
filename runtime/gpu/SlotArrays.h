// SlotArrays: the per-slot decode state on the device (the slot arrays of
// runtime/engine/EngineAbi.h), packed into one buffer in the ABI's order, and
// the writes the host makes to it between steps: a request's initial state
// when it is admitted into a slot (staged copies), and single words when a
// slot is released or its prompt's last chunk sets its position (memsets).
// Everything else in it is written by the kernels, so a decode step needs no
// host input.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/DeviceBuffer.h"
#include "runtime/gpu/StepQueue.h"
#include "runtime/serving/StepPlan.h"

#include <cstdint>
#include <map>
#include <string>

namespace llmc::gpu {

class SlotArrays {
public:
  /// The arrays of `slots` slots, every slot idle with no position.
  static StatusOr<SlotArrays> allocate(const cuda::CudaDriver &driver,
                                       int64_t slots);
  SlotArrays() = default;

  /// Bytes of all arrays together.
  uint64_t bytes() const { return buffer_.size(); }
  /// Each array's device address by its ABI name ("positions", ...).
  const std::map<std::string, CUdeviceptr> &pointers() const {
    return pointers_;
  }
  CUdeviceptr pointer(const std::string &name) const {
    return pointers_.at(name);
  }

  /// Fails unless 0 <= slot < the slot count.
  Status checkSlot(int slot) const;
  /// Queues writing `init.slot`'s state for a new request; the slot decodes
  /// nothing until setPosition gives it a position.
  Status admit(StepQueue &queue, const serving::SlotInit &init) const;
  /// Queues marking `slot` idle (kernels skip it).
  Status release(StepQueue &queue, int slot) const;
  /// Queues setting `slot`'s position (the last prompt position, so that the
  /// sample and update that follow a prefill are the decode ones).
  Status setPosition(StepQueue &queue, int slot, int32_t position) const;

private:
  int64_t slots_ = 0;
  cuda::DeviceBuffer buffer_;
  std::map<std::string, CUdeviceptr> pointers_;
};

} // namespace llmc::gpu
