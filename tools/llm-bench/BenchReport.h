// BenchReport: the results of an llm-bench invocation, as JSON (the input of
// bench/plot.py) and as readable tables: per result the latency
// distributions (mean / median / p90 / p99), throughput, the engine's GPU
// busy share and inter-step gap, and the llm-estimate prediction and the
// step's byte and FLOP floors (StepFloor.h) beside the measurement.
//
// JSON layout (SI units: seconds, bytes, FLOP/s):
//   {"tool": "llm-bench", "engine": ..., "model": ..., "device": {...},
//    "command": ..., "seed": ..., "results": [
//      {"workload": "latency", "label": ..., "mode": "continuous",
//       "params": {"batch", "prompt", "output", "requests", "concurrency"},
//       "latency": {"ttft" | "tpot" | "itl" | "e2e":
//                   {"count", "mean", "median", "p90", "p99", "min", "max"}},
//       "throughput": {"seconds", "output_tokens_per_second",
//                      "total_tokens_per_second", "requests_per_second"},
//       "engine": {"gpu_busy_fraction", "mean_gap_ms", "steps",
//                  "decode_steps", "preemptions", "host_to_device_copies"},
//       "steady_decode": {"seconds", "tokens", "tokens_per_second"},
//       "derived": {name: value, with the floor's figures (StepFloor.h's
//                   floorFigures)}, "estimate": {...llm-estimate's JSON},
//       "profile": {...ProfileReport.h's JSON} (only with --profile)}],
//    "comparisons": [{"name": ..., "value": ...}]}
#pragma once

#include "runtime/estimate/KernelProfile.h"
#include "tools/llm-bench/RunRecord.h"
#include "tools/llm-bench/StepFloor.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace llmc::bench {

struct BenchResult {
  std::string workload; ///< "latency", "ttft", "decode", "grid", ...
  std::string label;    ///< "prompt 128 / output 128"
  std::string mode = "continuous";
  int64_t batch = 1;       ///< requests the workload runs at once
  int64_t prompt = 0;      ///< prompt tokens per request
  int64_t output = 0;      ///< output tokens per request (the mean if drawn)
  int64_t concurrency = 0; ///< requests kept in flight
  RunRecord run;
  /// Figures computed from the run and the device's ceilings, e.g.
  /// "achieved_bandwidth_fraction", "mfu".
  std::map<std::string, double> derived;
  /// llm-estimate's prediction for the workload's shape; null when none.
  nlohmann::json estimate;
  double predictedTtftSeconds = 0; ///< 0: no prediction
  double predictedTpotSeconds = 0;
  /// The work of the step the workload measures (a decode step, or TTFT's
  /// prefill) and its time floors beside the measured time; none for
  /// workloads without one representative step.
  std::optional<StepFloor> floor;
  /// Per-kernel times of the run when it was profiled (--profile).
  std::optional<KernelProfile> profile;
};

struct Comparison {
  std::string name; ///< "continuous / static output tokens/s"
  double value = 0;
};

struct BenchReport {
  /// Top-level fields: tool, engine, model, device, command, seed.
  nlohmann::json header = nlohmann::json::object();
  std::vector<BenchResult> results;
  std::vector<Comparison> comparisons;
};

/// {"count", "mean", "median", "p90", "p99", "min", "max"}: a latency
/// distribution in every report (llm-serve-bench's too).
nlohmann::json toJson(const Distribution &distribution);
nlohmann::json toJson(const BenchResult &result);
nlohmann::json toJson(const BenchReport &report);

/// Two tables (latency in ms; throughput and engine counters), the
/// predictions and the floors beside the measurements, the derived figures,
/// the comparisons, then each profiled result's kernel tables.
std::string formatReport(const BenchReport &report);

} // namespace llmc::bench
