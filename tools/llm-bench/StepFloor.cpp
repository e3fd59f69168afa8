// A step's byte and FLOP floors from the estimator's count of its work.
#include "tools/llm-bench/StepFloor.h"

#include <algorithm>

namespace llmc::bench {

namespace {

/// The estimate of `workload` whose work (not time) the floors take.
StatusOr<Estimate> workOf(const EngineCosts &costs, const Workload &workload) {
  // estimate() times launches against positive rates, but the bytes and
  // FLOPs it counts do not depend on them: unit rates serve with or without
  // the device's ceilings, and its times are never read.
  RooflineParams unitRates;
  unitRates.device = {"unit rates", 1, 1, "work only"};
  return estimate(costs, workload, unitRates);
}

StepFloor floorOf(FloorStep step, const RooflineTime &work,
                  const std::optional<DeviceCeilings> &device,
                  double measuredSeconds) {
  StepFloor floor;
  floor.step = step;
  floor.bytes = work.bytes;
  floor.flops = work.flops;
  if (device && device->bandwidthBytesPerSecond > 0 &&
      device->matrixFlopsPerSecond > 0) {
    floor.byteSeconds = work.bytes / device->bandwidthBytesPerSecond;
    floor.flopSeconds = work.flops / device->matrixFlopsPerSecond;
  }
  floor.measuredSeconds = measuredSeconds;
  return floor;
}

} // namespace

const char *floorStepName(FloorStep step) {
  return step == FloorStep::Prefill ? "prefill" : "decode step";
}

std::optional<double> StepFloor::seconds() const {
  if (!byteSeconds || !flopSeconds)
    return std::nullopt;
  return std::max(*byteSeconds, *flopSeconds);
}

std::optional<double> StepFloor::measuredOverFloor() const {
  const std::optional<double> floor = seconds();
  if (!floor || *floor <= 0 || measuredSeconds <= 0)
    return std::nullopt;
  return measuredSeconds / *floor;
}

StatusOr<StepFloor> decodeStepFloor(const EngineCosts &costs,
                                    const Workload &workload,
                                    const std::optional<DeviceCeilings> &device,
                                    double measuredSeconds) {
  LLMC_ASSIGN_OR_RETURN(Estimate e, workOf(costs, workload));
  if (workload.output < 2)
    return Status::error("output " + std::to_string(workload.output) +
                         " has no decode step");
  return floorOf(FloorStep::Decode, e.decodeStep, device, measuredSeconds);
}

StatusOr<StepFloor> prefillFloor(const EngineCosts &costs,
                                 const Workload &workload,
                                 const std::optional<DeviceCeilings> &device,
                                 double measuredSeconds) {
  LLMC_ASSIGN_OR_RETURN(Estimate e, workOf(costs, workload));
  return floorOf(FloorStep::Prefill, e.prefill, device, measuredSeconds);
}

std::map<std::string, double> floorFigures(const StepFloor &floor) {
  const std::string prefix =
      floor.step == FloorStep::Prefill ? "prefill_" : "decode_step_";
  std::map<std::string, double> figures = {
      {prefix + "bytes_floor", floor.bytes},
      {prefix + "flops_floor", floor.flops}};
  if (std::optional<double> seconds = floor.seconds()) {
    figures[prefix + "bytes_time_floor_seconds"] = *floor.byteSeconds;
    figures[prefix + "flops_time_floor_seconds"] = *floor.flopSeconds;
    figures[prefix + "time_floor_seconds"] = *seconds;
  }
  if (std::optional<double> ratio = floor.measuredOverFloor())
    figures[prefix + "time_over_floor"] = *ratio;
  return figures;
}

} // namespace llmc::bench
