// llm-bench: measures an engine on the GPU with the workloads of
// BENCHMARKS.md (Workloads.h) and reports TTFT, TPOT, ITL and E2E (mean,
// median, p90, p99), output and total tokens/s, requests/s, the GPU busy
// share and the gap between steps, with llm-estimate's prediction beside the
// measurement.
//
//   llm-bench ENGINE --workload latency|ttft|decode|grid|
//                               static-vs-continuous|concurrency
//             [--requests N --prompt S --output O --batch B[,B...]
//              --seed S --warmup N --json OUT --remeasure --quiet --profile]
//
// The device's copy bandwidth and bf16 matrix rate are measured once and
// cached (DeviceProbe.h); --remeasure measures again. Tables go to stdout, a
// progress bar to stderr, and with --json the full report (bench/plot.py
// draws it) to OUT. --profile runs every step launch by launch (no CUDA
// graphs) and adds, per result, each phase's kernels with their time, bytes,
// FLOPs and share of the roofline (ProfileReport.h).
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/DeviceProperties.h"
#include "runtime/estimate/EngineCosts.h"
#include "tools/llm-bench/DeviceProbe.h"
#include "tools/llm-bench/Workloads.h"

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

using namespace llmc;
using namespace llmc::bench;

namespace {

struct Options {
  BenchSettings settings;
  int64_t requests = 0, prompt = 0, output = 0;
  std::string jsonPath;
  bool remeasure = false;
  bool quiet = false;
  std::string commandLine;
};

/// The device's ceilings: measured (and cached), else the data sheet of its
/// GPU with a warning, else none (no predictions).
StatusOr<std::optional<DeviceCeilings>> deviceCeilings(const Options &opts,
                                                       nlohmann::json &device) {
  // Without a GPU nothing below can run: say so before anything else.
  StatusOr<std::unique_ptr<cuda::CudaDriver>> driver = cuda::CudaDriver::load();
  LLMC_RETURN_IF_ERROR(
      driver.status().withContext("llm-bench measures on a GPU"));
  const int ordinal = opts.settings.engineOptions.device.deviceOrdinal;
  std::string path;
  StatusOr<DeviceMeasurement> m =
      cachedOrMeasuredDevice(ordinal, opts.remeasure, path);
  if (m.isOk()) {
    device = toJson(*m);
    device["cache"] = path;
    return std::optional<DeviceCeilings>(m->ceilings(path));
  }
  std::cerr << "llm-bench: warning: could not measure the device ("
            << m.status().message() << ")\n";
  LLMC_ASSIGN_OR_RETURN(cuda::DeviceProperties properties,
                        cuda::queryDeviceProperties(**driver, ordinal));
  device = {{"device", properties.name}, {"arch", properties.arch()}};
  std::optional<DeviceCeilings> sheet = knownGpuForDeviceName(properties.name);
  if (sheet)
    std::cerr << "llm-bench: warning: predicting with the data sheet of the "
              << sheet->name << "\n";
  return sheet;
}

Status run(Options &opts) {
  BenchSettings &s = opts.settings;
  if (opts.requests > 0)
    s.requests = opts.requests;
  if (opts.prompt > 0)
    s.prompt = opts.prompt;
  if (opts.output > 0)
    s.output = opts.output;
  s.progress = !opts.quiet;

  LLMC_ASSIGN_OR_RETURN(Manifest manifest,
                        readEngineManifest(s.engineDirectory));
  LLMC_ASSIGN_OR_RETURN(
      EngineCosts costs,
      engineCostsFromManifest(manifest, "engine " + s.engineDirectory));

  nlohmann::json device = nlohmann::json::object();
  BenchSession session(s, costs, [&] { return deviceCeilings(opts, device); });
  LLMC_ASSIGN_OR_RETURN(BenchReport report, session.run());
  report.header = {
      {"tool", "llm-bench"},         {"command", opts.commandLine},
      {"engine", s.engineDirectory}, {"model", manifest.config.name},
      {"workload", s.workload},      {"seed", s.seed},
      {"warmup", s.warmup},          {"device", device}};

  std::cout << "llm-bench: " << manifest.config.name << " ("
            << s.engineDirectory << "), workload " << s.workload;
  if (device.contains("device"))
    std::cout << ", device " << device["device"].get<std::string>();
  std::cout << "\n\n" << formatReport(report);
  if (!opts.jsonPath.empty()) {
    std::ofstream out(opts.jsonPath);
    out << toJson(report).dump(2) << "\n";
    if (!out.flush())
      return Status::error("cannot write " + opts.jsonPath);
  }
  return Status::ok();
}

} // namespace

int main(int argc, char **argv) {
  Options opts;
  for (int i = 0; i < argc; ++i)
    opts.commandLine += (i ? " " : "") + std::string(argv[i]);
  BenchSettings &s = opts.settings;
  CLI::App app{"Benchmarks an LLM engine on the GPU."};
  app.add_option("engine", s.engineDirectory, "engine directory (llm-compile)")
      ->required();
  app.add_option("--workload", s.workload, "the benchmark to run")
      ->required()
      ->check(CLI::IsMember(workloadNames()));
  app.add_option("--requests", opts.requests,
                 "requests per measurement (default: the workload's)");
  app.add_option("--prompt", opts.prompt, "prompt tokens");
  app.add_option("--output", opts.output,
                 "generated tokens (static-vs-continuous: their mean)");
  app.add_option("--batch", s.batches,
                 "decode: batch sizes; concurrency: levels (comma-separated)")
      ->delimiter(',');
  app.add_option("--seed", s.seed, "seed of the random prompts");
  app.add_option("--warmup", s.warmup,
                 "requests run before measuring each engine");
  app.add_option("--json", opts.jsonPath, "write the full report here");
  app.add_flag("--remeasure", opts.remeasure,
               "measure the device again instead of using the cache");
  app.add_flag("--quiet", opts.quiet, "no progress bar");
  app.add_flag("--profile", s.engineOptions.device.profileLaunches,
               "time every kernel launch (no CUDA graphs) and report each "
               "kernel's time, GB/s, TFLOP/s and % of roofline");
  app.add_option("--max-step-tokens", s.engineOptions.maxStepTokens,
                 "token rows per step (default: the engine's prefill rows)");
  app.add_option("--gpu-memory-fraction",
                 s.engineOptions.device.gpuMemoryFraction,
                 "share of device memory the engine may use");
  CLI11_PARSE(app, argc, argv);

  Status status = run(opts);
  if (!status.isOk()) {
    std::cerr << "llm-bench: error: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
