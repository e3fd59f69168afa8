// llm-estimate: predicts TTFT, TPOT and peak memory of a workload from an
// engine's own launch costs against a GPU's ceilings
// (runtime/estimate/Estimate.h explains the model).
//
//   llm-estimate ENGINE|MODEL [--gpu h100|h200|a100|measured]
//                [--measurement FILE] [--batch B --prompt S --output O]
//                [--launch-overhead-us U] [--json]
//                [--max-slots N --max-prefill-tokens T --kv-block-size K
//                 --max-seq-len L --arch A]
//
// ENGINE is a directory from llm-compile (it has a manifest.json). Anything
// else is a MODEL as llm-compile takes it (a Hugging Face config.json or
// directory, a llama2.c checkpoint, an llm-dialect file): llm-compile, found
// beside this executable, writes the manifest of the engine it would build
// (ConfigManifest.h), with the last five options passed on (llm-compile's
// defaults when absent), and that manifest is estimated exactly as an
// engine's. "--gpu measured" uses the copy bandwidth and matrix rate llm-bench
// measured and cached; with several cached devices, --measurement names the
// file.
#include "runtime/estimate/DeviceMeasurement.h"
#include "runtime/estimate/EstimateReport.h"
#include "tools/llm-estimate/ConfigManifest.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <tuple>

using namespace llmc;
namespace fs = std::filesystem;

namespace {

struct Options {
  std::string model;
  std::string gpu = "h200";
  std::string measurement;
  Workload workload;
  double launchOverheadUs = kDefaultLaunchOverheadSeconds * 1e6;
  bool json = false;
  /// The engine options given for a MODEL, as llm-compile flags.
  std::vector<std::string> compileFlags;
};

StatusOr<DeviceCeilings> measuredCeilings(const std::string &file) {
  std::string path = file;
  if (path.empty()) {
    LLMC_ASSIGN_OR_RETURN(std::string directory, measurementCacheDirectory());
    std::vector<std::string> files = cachedMeasurementFiles(directory);
    if (files.empty())
      return Status::error("no device measurement cached in " + directory +
                           ": run llm-bench on the GPU first (it measures "
                           "and caches each device), or pass --measurement "
                           "FILE");
    if (files.size() > 1) {
      std::string list;
      for (const std::string &f : files)
        list += "\n  " + f;
      return Status::error("several devices are measured; pass "
                           "--measurement with one of:" +
                           list);
    }
    path = files.front();
  }
  LLMC_ASSIGN_OR_RETURN(DeviceMeasurement m, readDeviceMeasurement(path));
  return m.ceilings(path);
}

StatusOr<EngineCosts> loadCosts(const Options &opts) {
  const fs::path model(opts.model);
  if (fs::is_directory(model) && fs::exists(model / "manifest.json")) {
    if (!opts.compileFlags.empty())
      return Status::error("--max-slots, --max-prefill-tokens, "
                           "--kv-block-size, --max-seq-len and --arch "
                           "describe the engine of a MODEL; " +
                           opts.model + " is a compiled engine");
    LLMC_ASSIGN_OR_RETURN(Manifest manifest, readEngineManifest(opts.model));
    return engineCostsFromManifest(manifest, "engine " + opts.model);
  }
  if (!fs::exists(model))
    return Status::error(opts.model +
                         " is neither an engine directory (no manifest.json) "
                         "nor a model: it does not exist");
  LLMC_ASSIGN_OR_RETURN(std::string compiler, findCompiler());
  LLMC_ASSIGN_OR_RETURN(Manifest manifest, compileManifest(compiler, opts.model,
                                                           opts.compileFlags));
  return engineCostsFromManifest(manifest, "model " + opts.model);
}

Status run(const Options &opts) {
  RooflineParams params;
  if (opts.gpu == "measured") {
    LLMC_ASSIGN_OR_RETURN(params.device, measuredCeilings(opts.measurement));
  } else {
    if (!opts.measurement.empty())
      return Status::error("--measurement goes with --gpu measured");
    LLMC_ASSIGN_OR_RETURN(params.device, knownGpu(opts.gpu));
  }
  if (!(opts.launchOverheadUs >= 0))
    return Status::error("the launch overhead must not be negative, got " +
                         std::to_string(opts.launchOverheadUs) + " us");
  params.launchOverheadSeconds = opts.launchOverheadUs * 1e-6;
  // Before the costs, which may take a compile.
  LLMC_RETURN_IF_ERROR(opts.workload.validate());

  LLMC_ASSIGN_OR_RETURN(EngineCosts costs, loadCosts(opts));
  LLMC_ASSIGN_OR_RETURN(Estimate e, estimate(costs, opts.workload, params));
  if (opts.json)
    std::cout << toJson(e, costs).dump(2) << "\n";
  else
    std::cout << formatEstimate(e, costs);
  return Status::ok();
}

} // namespace

int main(int argc, char **argv) {
  Options opts;
  CLI::App app{"Predicts TTFT, TPOT and memory of an LLM engine on a GPU "
               "(roofline over the engine's launch costs)."};
  app.add_option("model", opts.model,
                 "engine directory, or a model llm-compile takes (a Hugging "
                 "Face config.json or directory, ...)")
      ->required();
  app.add_option("--gpu", opts.gpu,
                 "h100, h200, a100 (data sheets) or measured (llm-bench's "
                 "cached measurement)");
  app.add_option("--measurement", opts.measurement,
                 "device measurement file for --gpu measured");
  app.add_option("--batch", opts.workload.batch, "requests at once");
  app.add_option("--prompt", opts.workload.prompt, "prompt tokens");
  app.add_option("--output", opts.workload.output, "generated tokens");
  app.add_option("--launch-overhead-us", opts.launchOverheadUs,
                 "time each launch adds beyond its roofline time");
  app.add_flag("--json", opts.json, "print JSON instead of text");
  // A MODEL's engine options, handed to llm-compile as given.
  int64_t maxSlots = 0, maxPrefillTokens = 0, kvBlockSize = 0, maxSeqLen = 0;
  std::string arch;
  auto *slots = app.add_option("--max-slots", maxSlots,
                               "MODEL: decode slots (llm-compile's default)");
  auto *prefill =
      app.add_option("--max-prefill-tokens", maxPrefillTokens,
                     "MODEL: prefill rows per step (llm-compile's default)");
  auto *block = app.add_option("--kv-block-size", kvBlockSize,
                               "MODEL: KV positions per block (llm-compile's "
                               "default)");
  auto *context = app.add_option("--max-seq-len", maxSeqLen,
                                 "MODEL: the engine's context (default: the "
                                 "model's)");
  auto *archs = app.add_option("--arch", arch,
                               "MODEL: target archs, comma-separated "
                               "(llm-compile's default)");
  CLI11_PARSE(app, argc, argv);
  for (auto [option, flag, value] :
       {std::tuple{slots, "--max-slots", std::to_string(maxSlots)},
        {prefill, "--max-prefill-tokens", std::to_string(maxPrefillTokens)},
        {block, "--kv-block-size", std::to_string(kvBlockSize)},
        {context, "--max-seq-len", std::to_string(maxSeqLen)},
        {archs, "--arch", arch}})
    if (option->count() > 0) {
      opts.compileFlags.push_back(flag);
      opts.compileFlags.push_back(value);
    }

  Status status = run(opts);
  if (!status.isOk()) {
    std::cerr << "llm-estimate: error: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
