// JSON and text forms of an estimate.
#include "runtime/estimate/EstimateReport.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <sstream>

namespace llmc {

using nlohmann::json;

namespace {

std::string printf1(const char *format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

/// `value` scaled by the largest decimal prefix not above it, with `unit`.
std::string withPrefix(double value, const char *unit) {
  static const struct {
    double scale;
    const char *prefix;
  } prefixes[] = {{1e15, "P"}, {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
  for (const auto &p : prefixes)
    if (std::fabs(value) >= p.scale)
      return printf1(value / p.scale >= 100 ? "%.1f " : "%.2f ",
                     value / p.scale) +
             p.prefix + unit;
  return printf1("%.0f ", value) + unit;
}

json timeJson(const RooflineTime &t) {
  return {{"seconds", t.seconds},
          {"flops", t.flops},
          {"bytes", t.bytes},
          {"overhead_seconds", t.overheadSeconds},
          {"launches", t.launches},
          {"compute_bound_launches", t.computeBoundLaunches}};
}

} // namespace

std::string formatBytes(double bytes) { return withPrefix(bytes, "B"); }

std::string formatCount(double count) {
  std::string text = withPrefix(count, "");
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  return text;
}

std::string formatSeconds(double seconds) {
  if (seconds >= 1)
    return printf1("%.3f s", seconds);
  if (seconds >= 1e-3)
    return printf1("%.2f ms", seconds * 1e3);
  return printf1("%.1f us", seconds * 1e6);
}

json toJson(const Estimate &e, const EngineCosts &costs) {
  json prefill = timeJson(e.prefill);
  prefill["steps"] = e.prefillSteps;
  prefill["max_rows"] = costs.prefill.maxRows;
  json decode = timeJson(e.decodeStep);
  decode["context"] = e.decodeContext;
  return {
      {"source", costs.source},
      {"model", costs.config.name},
      {"device",
       {{"name", e.roofline.device.name},
        {"bandwidth_bytes_per_second",
         e.roofline.device.bandwidthBytesPerSecond},
        {"matrix_flops_per_second", e.roofline.device.matrixFlopsPerSecond},
        {"source", e.roofline.device.source}}},
      {"launch_overhead_seconds", e.roofline.launchOverheadSeconds},
      {"workload",
       {{"batch", e.workload.batch},
        {"prompt", e.workload.prompt},
        {"output", e.workload.output}}},
      {"prefill", prefill},
      {"ttft_seconds", e.ttftSeconds},
      {"ttft_last_seconds", e.ttftLastSeconds},
      {"decode_step", decode},
      {"tpot_seconds", e.tpotSeconds},
      {"decode_seconds", e.decodeSeconds},
      {"e2e_seconds", e.e2eSeconds},
      {"decode_tokens_per_second", e.decodeTokensPerSecond},
      {"memory",
       {{"weight_bytes", e.memory.weightBytes},
        {"kv_bytes", e.memory.kvBytes},
        {"kv_tokens", e.memory.kvTokens},
        {"arena_bytes", e.memory.arenaBytes},
        {"total_bytes", e.memory.totalBytes()}}},
  };
}

std::string formatEstimate(const Estimate &e, const EngineCosts &costs) {
  std::ostringstream out;
  const DeviceCeilings &device = e.roofline.device;
  out << "model: " << costs.config.name << " from " << costs.source << "\n"
      << "device: " << device.name << " (" << device.source
      << "): " << withPrefix(device.bandwidthBytesPerSecond, "B/s") << ", "
      << withPrefix(device.matrixFlopsPerSecond, "FLOP/s")
      << " bf16; launch overhead "
      << formatSeconds(e.roofline.launchOverheadSeconds) << "\n"
      << "workload: batch " << e.workload.batch << ", prompt "
      << e.workload.prompt << ", output " << e.workload.output << "\n\n";

  char line[256];
  std::snprintf(line, sizeof(line), "%-26s %11s %9s %14s %10s %11s\n", "",
                "time", "launches", "compute-bound", "FLOP", "bytes");
  out << line;
  auto row = [&](const std::string &label, const RooflineTime &t) {
    std::snprintf(line, sizeof(line), "%-26s %11s %9lld %14lld %10s %11s\n",
                  label.c_str(), formatSeconds(t.seconds).c_str(),
                  (long long)t.launches, (long long)t.computeBoundLaunches,
                  formatCount(t.flops).c_str(), formatBytes(t.bytes).c_str());
    out << line;
  };
  row("prefill (" + std::to_string(e.prefillSteps) +
          (e.prefillSteps == 1 ? " step)" : " steps)"),
      e.prefill);
  if (e.workload.output > 1)
    row("decode step (context " + printf1("%.0f", e.decodeContext) + ")",
        e.decodeStep);

  out << "\nTTFT   " << formatSeconds(e.ttftSeconds);
  if (e.workload.batch > 1)
    out << " (mean over the batch; last request "
        << formatSeconds(e.ttftLastSeconds) << ")";
  out << "\n";
  if (e.workload.output > 1)
    out << "TPOT   " << formatSeconds(e.tpotSeconds) << " ("
        << printf1("%.0f", e.decodeTokensPerSecond) << " output tokens/s)\n";
  else
    out << "TPOT   undefined (one output token)\n";
  out << "E2E    " << formatSeconds(e.e2eSeconds) << "\n"
      << "memory " << formatBytes(double(e.memory.totalBytes())) << ": weights "
      << formatBytes(double(e.memory.weightBytes)) << ", KV cache "
      << formatBytes(double(e.memory.kvBytes)) << " (" << e.memory.kvTokens
      << " positions), arenas " << formatBytes(double(e.memory.arenaBytes))
      << "\n";
  return out.str();
}

} // namespace llmc
