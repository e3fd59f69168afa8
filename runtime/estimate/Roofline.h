// Roofline: the time of a launch from its work, the method of the seeds'
// estimate applied per launch instead of per model:
//
//   time = max(flops / matrix rate, bytes / bandwidth) + launch overhead
//
// A launch is limited by whichever resource it exhausts first; applying the
// bound per launch (not to a phase's totals) keeps a compute-bound GEMM from
// hiding the memory-bound norms around it. The overhead term is the time a
// launch costs beyond its roofline: the gap between dependent kernels and the
// ramp-up and tail of a grid. kDefaultLaunchOverheadSeconds is 4 us, what one
// launch took in stories15M's decode graph on an H100 (53 launches in 0.24 ms,
// where their rooflines add up to about 10 us); tools let the user change it.
#pragma once

#include "runtime/engine/Manifest.h"
#include "runtime/estimate/DeviceCeilings.h"
#include "runtime/estimate/EngineCosts.h"

#include <cstdint>

namespace llmc {

constexpr double kDefaultLaunchOverheadSeconds = 4e-6;

struct RooflineParams {
  DeviceCeilings device;
  double launchOverheadSeconds = kDefaultLaunchOverheadSeconds;
};

/// Work and time of some launches at given sizes.
struct RooflineTime {
  double seconds = 0; ///< roofline time plus overheads
  double flops = 0;
  double bytes = 0;
  double overheadSeconds = 0; ///< the part of `seconds` that is overhead
  int64_t launches = 0;
  int64_t computeBoundLaunches = 0; ///< launches whose flop time dominates

  RooflineTime &operator+=(const RooflineTime &other);
};

/// One launch over `rows` token rows attending to `context` positions each
/// on average (LaunchCost's terms).
RooflineTime launchTime(const LaunchCost &cost, double rows, double context,
                        const RooflineParams &params);

/// Every launch of `phase`, in sequence, at the same sizes.
RooflineTime phaseTime(const PhaseCosts &phase, double rows, double context,
                       const RooflineParams &params);

} // namespace llmc
