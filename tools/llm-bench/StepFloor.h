// StepFloor: the least a workload's representative step must move and
// compute, as the engine's launch costs count it (weights, the KV cache it
// reads, activations, sampling), the least time the device can do that in,
// and the measured time beside it:
//   byte floor  bytes / copy bandwidth
//   FLOP floor  FLOPs / matrix rate
//   floor       the larger of the two
// llm-estimate's roofline bounds each launch and adds launch overheads; the
// floor bounds the step's totals alone, so no schedule of these launches on
// this device beats it and measured / floor says how far a run is from the
// hardware's limit.
//
// The work is llm-estimate's (Estimate.h): the decode step at the workload's
// batch and mean context, prompt + output / 2, and the prefill of the
// workload's prompts, each with its sampling.
#pragma once

#include "runtime/Status.h"
#include "runtime/estimate/DeviceCeilings.h"
#include "runtime/estimate/EngineCosts.h"
#include "runtime/estimate/Estimate.h"

#include <map>
#include <optional>
#include <string>

namespace llmc::bench {

enum class FloorStep { Decode, Prefill };

/// "decode step", "prefill": the step's name in tables.
const char *floorStepName(FloorStep step);

struct StepFloor {
  FloorStep step = FloorStep::Decode;
  double bytes = 0;
  double flops = 0;
  /// bytes / bandwidth and flops / matrix rate; absent when the device's
  /// ceilings are unknown.
  std::optional<double> byteSeconds, flopSeconds;
  double measuredSeconds = 0; ///< the run's time for the step; 0: none

  /// The larger time floor; absent without the device's ceilings.
  std::optional<double> seconds() const;
  /// measured / floor (1: at the hardware's limit); absent without a
  /// measurement or a time floor.
  std::optional<double> measuredOverFloor() const;
};

/// One decode step of `workload.batch` rows at the mean context, sampling
/// included. Fails where estimate() refuses the workload or when it has no
/// decode step (output 1).
StatusOr<StepFloor> decodeStepFloor(const EngineCosts &costs,
                                    const Workload &workload,
                                    const std::optional<DeviceCeilings> &device,
                                    double measuredSeconds);

/// The prefill of the workload's prompts, sampling included. Fails where
/// estimate() refuses the workload.
StatusOr<StepFloor> prefillFloor(const EngineCosts &costs,
                                 const Workload &workload,
                                 const std::optional<DeviceCeilings> &device,
                                 double measuredSeconds);

/// The floor as named figures for a result's "derived" map, with the prefix
/// "decode_step" or "prefill": PREFIX_bytes_floor, PREFIX_flops_floor and,
/// with the device's ceilings, PREFIX_bytes_time_floor_seconds,
/// PREFIX_flops_time_floor_seconds, PREFIX_time_floor_seconds and, with a
/// measurement, PREFIX_time_over_floor (measured / floor).
std::map<std::string, double> floorFigures(const StepFloor &floor);

} // namespace llmc::bench
