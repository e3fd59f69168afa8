// Grouping timed launches into the per-kernel profile.
#include "runtime/estimate/KernelProfile.h"

#include "runtime/estimate/Roofline.h"

#include <algorithm>
#include <map>

namespace llmc {

double KernelProfileRow::microsecondsPerLaunch() const {
  return launches > 0 ? 1e6 * seconds / double(launches) : 0;
}

double KernelProfileRow::bytesPerSecond() const {
  return seconds > 0 ? bytes / seconds : 0;
}

double KernelProfileRow::flopsPerSecond() const {
  return seconds > 0 ? flops / seconds : 0;
}

double KernelProfileRow::rooflineFraction() const {
  return seconds > 0 ? rooflineSeconds / seconds : 0;
}

StatusOr<KernelProfile>
profileKernels(const std::vector<LaunchRecord> &records,
               const EngineCosts &costs,
               const std::optional<DeviceCeilings> &ceilings) {
  const PhaseCosts *phases[] = {&costs.prefill, &costs.decode, &costs.sample};
  // Kernels by name within each phase, in the order above.
  std::vector<std::map<std::string, KernelProfileRow>> groups(3);
  RooflineParams params;
  if (ceilings) {
    params.device = *ceilings;
    params.launchOverheadSeconds = 0;
  }
  for (size_t r = 0; r < records.size(); ++r) {
    const LaunchRecord &record = records[r];
    size_t p = 0;
    while (p < 3 && phases[p]->name != record.phase)
      ++p;
    if (p == 3)
      return Status::error("launch record " + std::to_string(r) +
                           ": the engine has no phase '" + record.phase + "'");
    if (record.launchIndex < 0 ||
        size_t(record.launchIndex) >= phases[p]->launches.size())
      return Status::error("launch record " + std::to_string(r) + ": phase " +
                           record.phase + " has no launch " +
                           std::to_string(record.launchIndex));
    const LaunchCost &cost = phases[p]->launches[size_t(record.launchIndex)];
    const double rows = double(record.rows);
    KernelProfileRow &row = groups[p][record.kernel];
    row.kernel = record.kernel;
    ++row.launches;
    row.seconds += record.milliseconds * 1e-3;
    row.flops += cost.flops.at(rows, record.context);
    row.bytes += cost.bytes.at(rows, record.context);
    if (ceilings)
      row.rooflineSeconds +=
          launchTime(cost, rows, record.context, params).seconds;
  }

  KernelProfile profile;
  profile.ceilings = ceilings;
  for (size_t p = 0; p < 3; ++p) {
    if (groups[p].empty())
      continue;
    PhaseProfile phase;
    phase.phase = phases[p]->name;
    for (auto &[name, row] : groups[p]) {
      phase.launches += row.launches;
      phase.seconds += row.seconds;
      if (ceilings)
        row.computeBound = row.flops / ceilings->matrixFlopsPerSecond >
                           row.bytes / ceilings->bandwidthBytesPerSecond;
      phase.kernels.push_back(std::move(row));
    }
    for (KernelProfileRow &row : phase.kernels)
      row.phaseShare = phase.seconds > 0 ? row.seconds / phase.seconds : 0;
    std::stable_sort(phase.kernels.begin(), phase.kernels.end(),
                     [](const KernelProfileRow &a, const KernelProfileRow &b) {
                       return a.seconds > b.seconds;
                     });
    profile.phases.push_back(std::move(phase));
  }
  return profile;
}

} // namespace llmc
