// Per-launch roofline times.
#include "runtime/estimate/Roofline.h"

#include <algorithm>

namespace llmc {

RooflineTime &RooflineTime::operator+=(const RooflineTime &other) {
  seconds += other.seconds;
  flops += other.flops;
  bytes += other.bytes;
  overheadSeconds += other.overheadSeconds;
  launches += other.launches;
  computeBoundLaunches += other.computeBoundLaunches;
  return *this;
}

RooflineTime launchTime(const LaunchCost &cost, double rows, double context,
                        const RooflineParams &params) {
  RooflineTime t;
  t.flops = cost.flops.at(rows, context);
  t.bytes = cost.bytes.at(rows, context);
  const double computeSeconds = t.flops / params.device.matrixFlopsPerSecond;
  const double memorySeconds = t.bytes / params.device.bandwidthBytesPerSecond;
  t.overheadSeconds = params.launchOverheadSeconds;
  t.seconds = std::max(computeSeconds, memorySeconds) + t.overheadSeconds;
  t.launches = 1;
  t.computeBoundLaunches = computeSeconds > memorySeconds ? 1 : 0;
  return t;
}

RooflineTime phaseTime(const PhaseCosts &phase, double rows, double context,
                       const RooflineParams &params) {
  RooflineTime total;
  for (const LaunchCost &cost : phase.launches)
    total += launchTime(cost, rows, context, params);
  return total;
}

} // namespace llmc
