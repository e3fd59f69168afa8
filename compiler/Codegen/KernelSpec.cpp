// Grouping a phase's launches into its distinct kernels.
#include "compiler/Codegen/KernelSpec.h"

namespace llmc::codegen {

namespace {

/// True when the wrapper parameter bound by `a` is the same parameter as the
/// one bound by `b`: the same kind, and the same runtime object where the
/// kind names one that every launch shares (weights, arena slices and cache
/// layers differ from launch to launch).
bool sameParameter(const KernelArg &a, const KernelArg &b) {
  if (a.kind != b.kind)
    return false;
  switch (a.kind) {
  case ArgKind::Input:
  case ArgKind::Slot:
  case ArgKind::Constant:
  case ArgKind::Scalar:
    return a.name == b.name;
  default:
    return true;
  }
}

/// Empty when `a` and `b` instantiate the same kernel, else what differs.
std::string instantiationDifference(const LaunchSpec &a, const LaunchSpec &b) {
  if (a.templateName != b.templateName)
    return "template";
  if (a.params != b.params)
    return "params";
  if (a.epilogue != b.epilogue)
    return "epilogue";
  if (a.epilogueParams != b.epilogueParams)
    return "epilogue_params";
  if (a.constants != b.constants)
    return "constants";
  if (a.blockThreads != b.blockThreads)
    return "block";
  if (a.dynamicSharedBytes != b.dynamicSharedBytes)
    return "smem";
  if (a.onlyArchs != b.onlyArchs)
    return "archs";
  if (a.args.size() != b.args.size())
    return "number of args";
  for (size_t i = 0; i < a.args.size(); ++i)
    if (!sameParameter(a.args[i], b.args[i]))
      return "arg " + std::to_string(i);
  return "";
}

} // namespace

StatusOr<std::vector<KernelSpec>> distinctKernels(const PhaseSpec &phase) {
  std::vector<KernelSpec> kernels;
  std::map<std::string, size_t> byName;
  auto add = [&](size_t index, const LaunchSpec &launch) -> Status {
    auto [it, inserted] = byName.emplace(launch.kernel, kernels.size());
    if (inserted) {
      kernels.push_back(KernelSpec{&launch, {&launch}});
      return Status::ok();
    }
    KernelSpec &kernel = kernels[it->second];
    std::string difference = instantiationDifference(*kernel.launch, launch);
    if (!difference.empty())
      return Status::error(phase.name + " launch " + std::to_string(index) +
                           ": kernel '" + launch.kernel +
                           "' is launched with another instantiation than "
                           "its first launch (" +
                           difference + " differ)");
    kernel.launches.push_back(&launch);
    return Status::ok();
  };
  for (size_t i = 0; i < phase.launches.size(); ++i) {
    LLMC_RETURN_IF_ERROR(add(i, phase.launches[i]));
    for (const LaunchVariantSpec &variant : phase.launches[i].variants)
      LLMC_RETURN_IF_ERROR(add(i, *variant.launch));
  }
  return kernels;
}

} // namespace llmc::codegen
