// PrefillInputs: the device inputs of a prefill step (EngineAbi.h's input
// buffers tokens, positions, token_slots, seq_slots, query_starts,
// start_positions and logit_rows), packed into one buffer sized for the
// engine's most prefill rows, and the staging of a batch of prompt chunks
// into it. Decode steps read the slot arrays instead and never touch it.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/DeviceBuffer.h"
#include "runtime/engine/LaunchDims.h"
#include "runtime/gpu/StepQueue.h"
#include "runtime/serving/StepPlan.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llmc::gpu {

class PrefillInputs {
public:
  /// Room for `maxRows` token rows over `slots` sequences.
  static StatusOr<PrefillInputs> allocate(const cuda::CudaDriver &driver,
                                          int64_t maxRows, int64_t slots);
  PrefillInputs() = default;

  /// Bytes of all inputs together.
  uint64_t bytes() const { return buffer_.size(); }
  /// Each input's device address by its ABI name.
  const std::map<std::string, CUdeviceptr> &pointers() const {
    return pointers_;
  }
  CUdeviceptr pointer(const std::string &name) const {
    return pointers_.at(name);
  }

  /// Stages the inputs of `chunks` (one to `slots` chunks of distinct
  /// slots, at most `maxRows` tokens in all) as copies of the next step;
  /// returns the step's launch sizes.
  StatusOr<LaunchSizes>
  stage(StepQueue &queue,
        const std::vector<serving::PrefillChunk> &chunks) const;

private:
  int64_t maxRows_ = 0;
  int64_t slots_ = 0;
  cuda::DeviceBuffer buffer_;
  std::map<std::string, CUdeviceptr> pointers_;
};

} // namespace llmc::gpu
