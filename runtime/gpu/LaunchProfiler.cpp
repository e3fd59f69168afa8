// Per-launch timing events for the profiled (graph-free) path.
#include "runtime/gpu/LaunchProfiler.h"

#include <algorithm>

namespace llmc::gpu {

LaunchProfiler::LaunchProfiler(const cuda::CudaDriver &driver,
                               size_t stepsInFlight)
    : driver_(&driver), steps_(std::max<size_t>(stepsInFlight, 1)) {}

LaunchProfiler::StepRecords &LaunchProfiler::recordsFor(uint64_t step) {
  StepRecords &records = steps_[step % steps_.size()];
  if (!records.used || records.step != step) {
    // The step that held these events was collected before this one could
    // be queued (StepQueue's step slots guarantee it): reuse them.
    records.step = step;
    records.used = true;
    records.launches.clear();
  }
  return records;
}

Status LaunchProfiler::enqueue(uint64_t step, const Phase &phase,
                               const BoundPhase &bound, int64_t rows,
                               const cuda::Stream &stream) {
  StepRecords &records = recordsFor(step);
  const std::vector<BoundLaunch> &launches = bound.launches();
  for (size_t i = 0; i < launches.size(); ++i) {
    if (launches[i].empty())
      continue;
    const size_t first = 2 * records.launches.size();
    // Events are created once and reused by every later step in this slot.
    while (records.events.size() < first + 2) {
      LLMC_ASSIGN_OR_RETURN(cuda::Event event, cuda::Event::create(*driver_));
      records.events.push_back(std::move(event));
    }
    LLMC_RETURN_IF_ERROR(records.events[first].record(stream));
    LLMC_RETURN_IF_ERROR(launches[i].enqueue(stream));
    LLMC_RETURN_IF_ERROR(records.events[first + 1].record(stream));
    records.launches.push_back({&phase, int64_t(i), launches[i].kernel, rows});
  }
  return Status::ok();
}

StatusOr<std::vector<LaunchRecord>>
LaunchProfiler::timings(uint64_t step) const {
  const StepRecords &records = steps_[step % steps_.size()];
  if (!records.used || records.step != step)
    return Status::error("the launch timings of step " + std::to_string(step) +
                         " are gone: a later step reused them");
  std::vector<LaunchRecord> out;
  out.reserve(records.launches.size());
  for (size_t i = 0; i < records.launches.size(); ++i) {
    const TimedLaunch &launch = records.launches[i];
    LLMC_ASSIGN_OR_RETURN(float ms,
                          cuda::Event::elapsedMs(records.events[2 * i],
                                                 records.events[2 * i + 1]));
    LaunchRecord record;
    record.phase = launch.phase->name;
    record.launchIndex = launch.launchIndex;
    record.kernel = std::string(launch.kernel);
    record.rows = launch.rows;
    record.milliseconds = double(ms);
    out.push_back(std::move(record));
  }
  return out;
}

} // namespace llmc::gpu
