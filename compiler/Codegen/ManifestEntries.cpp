// The manifest entries of the generated code.
#include "compiler/Codegen/ManifestEntries.h"

#include "runtime/reference/ReferenceOps.h"

#include <functional>

namespace llmc::codegen {

std::string engineSourcePath(const std::string &phase) {
  return "kernels/" + phase + ".cu";
}
std::string engineCubinPath(const std::string &phase, const std::string &arch) {
  return "kernels/" + phase + "." + arch + ".cubin";
}
std::string enginePtxPath(const std::string &phase, const std::string &arch) {
  return "kernels/" + phase + "." + arch + ".ptx";
}

Phase phaseEntry(const PhaseSpec &spec) {
  Phase phase;
  phase.name = spec.name;
  phase.module = spec.name;
  phase.maxRows = spec.maxRows;
  phase.arenaBytes = spec.arenaBytes;
  phase.outputs = spec.outputs;
  // Every wrapper signals and waits (Wrapper.cpp's emitWrapper).
  phase.programmaticLaunch = true;
  for (const LaunchSpec &l : spec.launches) {
    KernelLaunch launch;
    launch.kernel = l.kernel;
    launch.fused = l.fused;
    launch.grid = l.grid;
    launch.blockThreads = l.blockThreads;
    launch.dynamicSharedBytes = l.dynamicSharedBytes;
    launch.args = l.args;
    launch.cost = l.cost;
    for (const LaunchVariantSpec &variant : l.variants)
      launch.variants.push_back(
          LaunchVariant{variant.launch->kernel, variant.launch->grid,
                        variant.launch->blockThreads,
                        variant.launch->dynamicSharedBytes, variant.guard});
    phase.launches.push_back(std::move(launch));
  }
  return phase;
}

KernelModule moduleEntry(const std::string &phase, const PhaseSource &unit) {
  KernelModule module;
  module.name = phase;
  module.source = engineSourcePath(phase);
  module.kernels = unit.kernels;
  return module;
}

StatusOr<std::map<std::string, std::vector<float>>>
engineConstants(const std::vector<PhaseSpec> &phases,
                const ModelConfig &config) {
  using Table = std::function<std::vector<float>(const ModelConfig &)>;
  const std::map<std::string, Table> tables = {
      {"rope_inv_freq", [](const ModelConfig &c) {
         return ref::ropeInverseFrequencies(c.headDim, c.ropeTheta,
                                            c.ropeScaling);
       }}};
  std::map<std::string, std::vector<float>> constants;
  for (const PhaseSpec &phase : phases)
    for (const LaunchSpec &launch : phase.launches)
      for (const KernelArg &arg : launch.args) {
        if (arg.kind != ArgKind::Constant || constants.count(arg.name))
          continue;
        auto table = tables.find(arg.name);
        if (table == tables.end())
          return Status::error(phase.name + " kernel '" + launch.kernel +
                               "' binds the constant '" + arg.name +
                               "', which the compiler cannot compute "
                               "(known: rope_inv_freq)");
        constants[arg.name] = table->second(config);
      }
  return constants;
}

} // namespace llmc::codegen
