// EngineCosts from a compiled engine's manifest.
#include "runtime/estimate/EngineCosts.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace llmc {

uint64_t EngineCosts::kvBytesPerToken() const {
  return uint64_t(2 * config.numLayers * config.numKvHeads * config.headDim) *
         2;
}

StatusOr<EngineCosts> engineCostsFromManifest(const Manifest &manifest,
                                              const std::string &source) {
  EngineCosts costs;
  costs.config = manifest.config;
  costs.source = source;
  for (auto [name, phase] :
       {std::pair<const char *, PhaseCosts *>{"prefill", &costs.prefill},
        {"decode", &costs.decode},
        {"sample", &costs.sample}}) {
    const Phase *found = manifest.findPhase(name);
    if (!found)
      return Status::error(source + ": the manifest has no '" +
                           std::string(name) + "' phase");
    phase->name = name;
    phase->maxRows = found->maxRows;
    phase->arenaBytes = found->arenaBytes;
    for (const KernelLaunch &launch : found->launches)
      phase->launches.push_back(launch.cost);
  }
  costs.maxSlots = manifest.options.maxSlots;
  costs.maxSeqLen = manifest.options.maxSeqLen > 0 ? manifest.options.maxSeqLen
                                                   : manifest.config.maxSeqLen;
  costs.kvBlockSize =
      manifest.kvCache.blockSize > 0 ? manifest.kvCache.blockSize : 1;
  costs.weightBytes = manifest.weights.totalBytes;
  return costs;
}

StatusOr<Manifest> readEngineManifest(const std::string &directory) {
  const std::string path = directory + "/manifest.json";
  std::ifstream in(path);
  if (!in)
    return Status::error("cannot read " + path + " (is " + directory +
                         " an engine directory?)");
  nlohmann::json json =
      nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded())
    return Status::error(path + ": not valid JSON");
  return manifestFromJson(json, path);
}

} // namespace llmc
