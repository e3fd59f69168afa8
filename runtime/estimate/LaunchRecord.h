// LaunchRecord: one launch as it ran, timed on its own. The GPU runtime's
// launch profiler (runtime/gpu/LaunchProfiler.h) records them, the executor
// adds each one's context, and KernelProfile.h sets them against the
// roofline. Plain data with no dependencies, so the GPU runtime can produce
// it without linking the estimator.
#pragma once

#include <cstdint>
#include <string>

namespace llmc {

struct LaunchRecord {
  std::string phase;       ///< "prefill", "decode", "sample"
  int64_t launchIndex = 0; ///< its position in the phase's launches
  /// The kernel that ran: the launch's own or the variant's that held.
  std::string kernel;
  int64_t rows = 0; ///< token rows of the run (LaunchCost's rows)
  /// LaunchCost's context: the positions the step's rows attend to, summed
  /// over its rows and divided by `rows` (an idle row attends to none).
  /// Filled by the executor, which knows the step's positions.
  double context = 0;
  double milliseconds = 0;
};

} // namespace llmc
