// llm-estimate: predicts TTFT, TPOT and peak memory of a workload from an
// engine's own launch costs, or from a model config's shapes, against a
// GPU's ceilings (runtime/estimate/Estimate.h explains the model).
//
//   llm-estimate ENGINE|CONFIG [--gpu h100|h200|a100|measured]
//                [--measurement FILE] [--batch B --prompt S --output O]
//                [--launch-overhead-us U] [--json]
//                [--max-slots N --max-prefill-tokens T --kv-block-size K]
//
// ENGINE is a directory from llm-compile (it has a manifest.json); CONFIG is
// a Hugging Face config.json or a directory holding one. The last three
// options describe the engine a CONFIG would compile to (defaults: max slots
// = batch, the whole batch's prompts in one prefill step, blocks of 16).
// "--gpu measured" uses the copy bandwidth and matrix rate llm-bench measured
// and cached; with several cached devices, --measurement names the file.
#include "compiler/Frontend/HfConfig.h"
#include "runtime/estimate/DeviceMeasurement.h"
#include "runtime/estimate/EstimateReport.h"
#include "runtime/estimate/ShapeCosts.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

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
  int64_t maxSlots = 0;         // 0: the batch
  int64_t maxPrefillTokens = 0; // 0: batch * prompt
  int64_t kvBlockSize = 16;
  bool engineOptionsGiven = false;
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
    if (opts.engineOptionsGiven)
      return Status::error("--max-slots, --max-prefill-tokens and "
                           "--kv-block-size describe the engine of a "
                           "CONFIG; " +
                           opts.model + " is a compiled engine");
    LLMC_ASSIGN_OR_RETURN(Manifest manifest, readEngineManifest(opts.model));
    return engineCostsFromManifest(manifest, "engine " + opts.model);
  }
  fs::path config = model;
  if (fs::is_directory(model))
    config = model / "config.json";
  if (!fs::is_regular_file(config))
    return Status::error(opts.model +
                         " is neither an engine directory (no manifest.json) "
                         "nor a config.json (or a directory holding one)");
  LLMC_ASSIGN_OR_RETURN(ModelConfig modelConfig,
                        parseHfConfig(config.string()));
  ShapeOptions shape;
  shape.maxSlots = opts.maxSlots > 0 ? opts.maxSlots : opts.workload.batch;
  shape.maxPrefillTokens = opts.maxPrefillTokens > 0
                               ? opts.maxPrefillTokens
                               : opts.workload.batch * opts.workload.prompt;
  shape.kvBlockSize = opts.kvBlockSize;
  return engineCostsFromConfig(modelConfig, shape, "config " + config.string());
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
  // Before the costs: a CONFIG's engine is sized from the workload.
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
                 "engine directory, or a Hugging Face config.json (or its "
                 "directory)")
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
  auto *slots = app.add_option("--max-slots", opts.maxSlots,
                               "CONFIG: decode slots (default: batch)");
  auto *prefill =
      app.add_option("--max-prefill-tokens", opts.maxPrefillTokens,
                     "CONFIG: prefill rows per step (default: batch * "
                     "prompt)");
  auto *block = app.add_option("--kv-block-size", opts.kvBlockSize,
                               "CONFIG: KV positions per block");
  CLI11_PARSE(app, argc, argv);
  opts.engineOptionsGiven =
      slots->count() + prefill->count() + block->count() > 0;

  Status status = run(opts);
  if (!status.isOk()) {
    std::cerr << "llm-estimate: error: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
