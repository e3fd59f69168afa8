// Tables and JSON of the per-kernel profile.
#include "tools/llm-bench/ProfileReport.h"

#include "tools/llm-bench/TextTable.h"

#include <sstream>

namespace llmc::bench {

using nlohmann::json;

const char *const kProfileTimingNote =
    "per-launch execution without CUDA graphs: each launch is timed between "
    "its own two events, so the host's gap between launches (a few us each) "
    "is not in the kernel times, and the latencies of a profiled run are "
    "slower than those of graph replay";

namespace {

const char *boundName(const KernelProfileRow &row) {
  return row.computeBound ? "compute" : "memory";
}

} // namespace

std::string formatProfile(const KernelProfile &profile) {
  const bool roofline = profile.ceilings.has_value();
  auto ifRoofline = [&](const std::string &cell) {
    return roofline ? cell : std::string("-");
  };
  std::ostringstream out;
  for (const PhaseProfile &phase : profile.phases) {
    out << "\n"
        << phase.phase << ": " << fixedPoint(phase.seconds * 1e3, 3)
        << " ms of kernel time in " << phase.launches << " launches\n";
    std::vector<std::vector<std::string>> rows = {
        {phase.phase + " kernel", "launches", "ms total", "% phase",
         "us/launch", "GB/s", "TFLOP/s", "% roofline", "bound"}};
    for (const KernelProfileRow &row : phase.kernels)
      rows.push_back({row.kernel, std::to_string(row.launches),
                      fixedPoint(row.seconds * 1e3, 3),
                      fixedPoint(100 * row.phaseShare, 1),
                      fixedPoint(row.microsecondsPerLaunch(), 2),
                      fixedPoint(row.bytesPerSecond() * 1e-9, 1),
                      fixedPoint(row.flopsPerSecond() * 1e-12, 2),
                      ifRoofline(fixedPoint(100 * row.rooflineFraction(), 1)),
                      ifRoofline(boundName(row))});
    out << formatTable(rows);
  }
  return out.str();
}

json toJson(const KernelProfile &profile) {
  json j = {{"timing", kProfileTimingNote}, {"ceilings", nullptr}};
  if (profile.ceilings)
    j["ceilings"] = {
        {"name", profile.ceilings->name},
        {"bandwidth_bytes_per_second",
         profile.ceilings->bandwidthBytesPerSecond},
        {"matrix_flops_per_second", profile.ceilings->matrixFlopsPerSecond},
        {"source", profile.ceilings->source}};
  j["phases"] = json::array();
  for (const PhaseProfile &phase : profile.phases) {
    json kernels = json::array();
    for (const KernelProfileRow &row : phase.kernels) {
      json k = {{"kernel", row.kernel},
                {"launches", row.launches},
                {"seconds", row.seconds},
                {"phase_share", row.phaseShare},
                {"microseconds_per_launch", row.microsecondsPerLaunch()},
                {"bytes", row.bytes},
                {"flops", row.flops},
                {"bytes_per_second", row.bytesPerSecond()},
                {"flops_per_second", row.flopsPerSecond()},
                {"roofline_seconds", nullptr},
                {"roofline_fraction", nullptr},
                {"bound", nullptr}};
      if (profile.ceilings) {
        k["roofline_seconds"] = row.rooflineSeconds;
        k["roofline_fraction"] = row.rooflineFraction();
        k["bound"] = boundName(row);
      }
      kernels.push_back(std::move(k));
    }
    j["phases"].push_back({{"phase", phase.phase},
                           {"launches", phase.launches},
                           {"seconds", phase.seconds},
                           {"kernels", std::move(kernels)}});
  }
  return j;
}

} // namespace llmc::bench
