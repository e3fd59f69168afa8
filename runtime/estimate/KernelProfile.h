// KernelProfile: measured kernel times beside the roofline. The runtime can
// time every launch of a phase on its own (gpu::DeviceOptions::
// profileLaunches); this groups those launches by (phase, kernel) and sets
// the work their cost terms give at the sizes each launch ran with against
// the measured time and the device's ceilings.
//
// A group's roofline time is the sum over its launches of
// max(flops / matrix rate, bytes / bandwidth), with no launch overhead:
// 100% of roofline is a kernel running at the ceiling it is bound by.
#pragma once

#include "runtime/Status.h"
#include "runtime/estimate/DeviceCeilings.h"
#include "runtime/estimate/EngineCosts.h"
#include "runtime/estimate/LaunchRecord.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmc {

/// Every launch of one kernel in one phase.
struct KernelProfileRow {
  std::string kernel;
  int64_t launches = 0;
  double seconds = 0; ///< measured, summed
  double flops = 0;   ///< from the cost terms, summed
  double bytes = 0;
  /// Per launch max(flops / rate, bytes / bandwidth), summed; 0 without
  /// ceilings.
  double rooflineSeconds = 0;
  /// The group's flops take longer at the matrix rate than its bytes at the
  /// bandwidth; meaningful only with ceilings.
  bool computeBound = false;
  double phaseShare = 0; ///< seconds / the phase's measured seconds

  double microsecondsPerLaunch() const;
  double bytesPerSecond() const;
  double flopsPerSecond() const;
  /// rooflineSeconds / seconds: 1 is the ceiling.
  double rooflineFraction() const;
};

struct PhaseProfile {
  std::string phase;
  int64_t launches = 0;
  double seconds = 0;                    ///< measured, every launch summed
  std::vector<KernelProfileRow> kernels; ///< the longest total first
};

struct KernelProfile {
  std::optional<DeviceCeilings> ceilings; ///< none: no roofline figures
  /// prefill, decode, sample: those with launches.
  std::vector<PhaseProfile> phases;
};

/// Groups `records` by phase and kernel and takes each launch's work from
/// `costs` at the launch's rows and context. Fails, naming the record, when
/// a record's phase is not one of the engine's or its launch index is
/// outside the phase.
StatusOr<KernelProfile>
profileKernels(const std::vector<LaunchRecord> &records,
               const EngineCosts &costs,
               const std::optional<DeviceCeilings> &ceilings);

} // namespace llmc
