// Workloads: the benchmarks of BENCHMARKS.md over the Engine API, each
// returning one BenchResult per measured configuration:
//   latency               batch 1, prompt 128, output 128, one request after
//                         another; TPOT and the weight bandwidth it implies
//                         as a share of the measured copy bandwidth
//   ttft                  one request at a time, prompts of 128, 512, 2048
//                         and 4096 tokens (those that fit), one output token;
//                         MFU against the measured matrix rate
//   decode                every slot busy (batch = max_slots unless --batch)
//                         at prompt 512, output 128; the steady decode rate
//   grid                  offline input/output grid 128/128, 128/2048,
//                         2048/128, 2048/2048; output tokens/s
//   static-vs-continuous  1000 requests, 512-token prompts, exponential
//                         output lengths (mean 128, capped at 512), run in
//                         static and in continuous mode; their ratio
//   concurrency           a closed loop at 1, 2, 4, ... requests in flight
//                         (up to twice the slots, at most 256)
// Latency, decode, grid and concurrency set a decode step's byte and FLOP
// floors beside the step time they measured, TTFT the prefill's (StepFloor.h).
// --prompt, --output, --requests and --batch override the defaults. Every
// request ignores EOS so output lengths are exact; prompts are random ids
// from --seed. Each engine is warmed up before it is measured. With
// engineOptions.device.profileLaunches (--profile) every result also carries
// the per-kernel profile of its run.
#pragma once

#include "runtime/api/GpuExecutor.h"
#include "runtime/estimate/DeviceCeilings.h"
#include "runtime/estimate/EngineCosts.h"
#include "runtime/estimate/Estimate.h"
#include "tools/llm-bench/BenchReport.h"
#include "tools/llm-bench/StepFloor.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llmc::bench {

class RequestFactory;

/// The workload names, in the order above.
const std::vector<std::string> &workloadNames();

struct BenchSettings {
  std::string engineDirectory;
  std::string workload;
  std::optional<int64_t> requests, prompt, output;
  std::vector<int64_t> batches; ///< empty: the workload's default
  uint64_t seed = 0;
  int64_t warmup = 2; ///< requests run before measuring each engine
  bool progress = true;
  EngineOptions engineOptions;
};

/// The device's ceilings for the predictions (none: no predictions); called
/// once, before the first engine is loaded.
using CeilingsSource = std::function<StatusOr<std::optional<DeviceCeilings>>()>;

/// What the workloads share: the settings, the engine's costs (for the
/// predictions) and the device's ceilings; engines are created on demand.
class BenchSession {
public:
  BenchSession(BenchSettings settings, EngineCosts costs,
               CeilingsSource ceilings);

  /// Runs settings().workload. Its shapes are checked against the engine
  /// before the device is touched, so a bad flag fails at once.
  StatusOr<BenchReport> run();

  const BenchSettings &settings() const { return settings_; }

private:
  StatusOr<std::vector<BenchResult>> latency();
  StatusOr<std::vector<BenchResult>> ttft();
  StatusOr<std::vector<BenchResult>> decode();
  StatusOr<std::vector<BenchResult>> grid();
  StatusOr<std::vector<BenchResult>> concurrency();
  StatusOr<std::vector<BenchResult>> staticVsContinuous(BenchReport &report);

  /// The engine in `mode`, created (and warmed up with requests of `prompt`
  /// tokens) when there is none in that mode.
  StatusOr<Engine *> engine(serving::BatchingMode mode, int64_t prompt);
  /// Runs `requests` with `concurrency` in flight on `engine`.
  StatusOr<RunRecord> run(Engine &engine,
                          std::vector<serving::Request> requests,
                          int64_t concurrency, const std::string &label);
  /// Runs `count` requests of `prompt` tokens that generate `output` tokens
  /// each, `concurrency` at a time, on the continuous-batching engine; the
  /// result carries the shape and the run, no derived figures yet.
  StatusOr<BenchResult>
  runUniform(RequestFactory &factory, const std::string &workload,
             std::string label, int64_t prompt, int64_t output, int64_t count,
             int64_t concurrency, const std::string &progressLabel);
  /// With profiling on, the per-kernel profile of the launches `engine` ran
  /// since its counters were reset (the run just measured).
  StatusOr<std::optional<KernelProfile>> profileOf(const Engine &engine) const;
  /// Fails unless `prompt` + `output` fits the engine's context.
  Status checkFits(int64_t prompt, int64_t output) const;
  /// Attaches llm-estimate's prediction for (batch, prompt, output) to
  /// `result` and returns it, when the device's ceilings are known.
  std::optional<Estimate> predict(BenchResult &result) const;
  /// Sets `result.floor`: the work of `step` at the result's shape and its
  /// time floors against the device's ceilings (when known), beside
  /// `measuredSeconds`.
  void attachFloor(BenchResult &result, FloorStep step,
                   double measuredSeconds) const;

  BenchSettings settings_;
  EngineCosts costs_;
  CeilingsSource ceilingsSource_;
  std::optional<DeviceCeilings> ceilings_;
  std::unique_ptr<Engine> engine_;
  serving::BatchingMode engineMode_ = serving::BatchingMode::Continuous;
};

} // namespace llmc::bench
