// LaunchProfiler: times every launch of a phase on its own. A decode step
// normally runs as one CUDA graph replay, inside which single kernels cannot
// be timed; with DeviceOptions::profileLaunches the DeviceModel queues its
// phases launch by launch through this class instead, which records a timing
// event right before and right after each launch.
//
// A launch's time is the span between its two events, so the host's time
// between launches (the gap a graph removes) is not counted. When a kernel
// is shorter than it takes the host to queue the next one, the GPU waits for
// the launch after the first event, and that wait is counted: the times of
// very short kernels read high.
//
// Events belong to the step they time and are reused once that step has
// been collected, as StepQueue's step slots are.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/Event.h"
#include "runtime/cuda/Stream.h"
#include "runtime/engine/Manifest.h"
#include "runtime/estimate/LaunchRecord.h"
#include "runtime/gpu/PhaseLaunches.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmc::gpu {

class LaunchProfiler {
public:
  /// Keeps the timings of up to `stepsInFlight` steps (StepQueue's step
  /// slots) until they are read.
  LaunchProfiler(const cuda::CudaDriver &driver, size_t stepsInFlight);

  /// Queues `bound`, a binding of `phase` for `rows` token rows, launch by
  /// launch on `stream`, each between two timing events, as part of step
  /// `step`. Launches with an empty grid run nothing and are not recorded.
  Status enqueue(uint64_t step, const Phase &phase, const BoundPhase &bound,
                 int64_t rows, const cuda::Stream &stream);

  /// The launches of step `step` in queue order (their context left 0);
  /// its work must have completed. Fails when the step's records were
  /// reused by a later step.
  StatusOr<std::vector<LaunchRecord>> timings(uint64_t step) const;

private:
  struct TimedLaunch {
    const Phase *phase = nullptr;
    int64_t launchIndex = 0;
    std::string_view kernel; ///< a name in the manifest, which outlives this
    int64_t rows = 0;
  };
  /// The launches and events of one step; launch i uses events 2i, 2i + 1.
  struct StepRecords {
    uint64_t step = 0;
    bool used = false;
    std::vector<TimedLaunch> launches;
    std::vector<cuda::Event> events;
  };

  /// The records of `step`, emptied when they held an earlier step's.
  StepRecords &recordsFor(uint64_t step);

  const cuda::CudaDriver *driver_;
  std::vector<StepRecords> steps_;
};

} // namespace llmc::gpu
