#include "runtime/gpu/LoadedKernels.h"

#include <algorithm>
#include <optional>

namespace llmc::gpu {

StatusOr<LoadedKernels> LoadedKernels::load(const cuda::CudaDriver &driver,
                                            const EngineFiles &engine,
                                            const std::string &deviceArch) {
  LoadedKernels kernels;
  // cubins are built for an arch ("sm_90a") whose plain name must be the
  // device's ("sm_90"); otherwise the driver JIT-compiles the PTX. Launch
  // variants are guarded by the arch of the code that was loaded.
  for (const KernelModule &module : engine.manifest.modules) {
    std::optional<cuda::Module> loaded;
    for (const auto &[arch, file] : module.cubins) {
      std::string plain = arch;
      if (!plain.empty() && plain.back() == 'a')
        plain.pop_back();
      if (plain != deviceArch)
        continue;
      LLMC_ASSIGN_OR_RETURN(std::vector<char> cubin,
                            readEngineFile(engine, file));
      LLMC_ASSIGN_OR_RETURN(
          cuda::Module m,
          cuda::Module::loadCubin(driver, cubin, engine.path(file)));
      loaded.emplace(std::move(m));
      kernels.codeArch_ = arch;
      break;
    }
    if (!loaded) {
      if (module.ptx.empty())
        return Status::error("module " + module.name + " has no cubin for " +
                             deviceArch + " and no PTX");
      LLMC_ASSIGN_OR_RETURN(std::vector<char> ptx,
                            readEngineFile(engine, module.ptx));
      LLMC_ASSIGN_OR_RETURN(
          cuda::Module m,
          cuda::Module::loadPtx(driver, std::string(ptx.begin(), ptx.end()),
                                engine.path(module.ptx)));
      loaded.emplace(std::move(m));
      kernels.codeArch_ = module.ptxArch;
    }
    kernels.modules_.push_back(std::move(*loaded));
  }
  LLMC_RETURN_IF_ERROR(kernels.loadFunctions(engine.manifest));
  return kernels;
}

Status LoadedKernels::loadFunctions(const Manifest &manifest) {
  // The kernels this code can run: every launch's own, and the variants
  // whose guard admits the loaded arch (the others are not in its code).
  // Kernels launched with more than the default dynamic shared memory opt
  // in; the limit is a property of the function, so a kernel that several
  // launches run gets the largest they ask for.
  std::map<std::string, int64_t> sharedBytes;
  auto need = [&](const std::string &kernel, int64_t bytes) {
    int64_t &most = sharedBytes[kernel];
    most = std::max(most, bytes);
  };
  for (const Phase &phase : manifest.phases)
    for (const KernelLaunch &launch : phase.launches) {
      need(launch.kernel, launch.dynamicSharedBytes);
      for (const LaunchVariant &variant : launch.variants)
        if (variant.guard.archs.empty() ||
            std::find(variant.guard.archs.begin(), variant.guard.archs.end(),
                      codeArch_) != variant.guard.archs.end())
          need(variant.kernel, variant.dynamicSharedBytes);
    }
  for (const auto &[kernel, bytes] : sharedBytes) {
    const KernelModule *owner = nullptr;
    size_t index = 0;
    for (size_t i = 0; i < manifest.modules.size() && !owner; ++i)
      for (const KernelInfo &info : manifest.modules[i].kernels)
        if (info.name == kernel) {
          owner = &manifest.modules[i];
          index = i;
        }
    if (!owner)
      return Status::error("a phase launches " + kernel +
                           ", which no module defines");
    LLMC_ASSIGN_OR_RETURN(cuda::Function function,
                          modules_[index].function(kernel));
    if (bytes > 48 * 1024)
      LLMC_RETURN_IF_ERROR(function.setMaxDynamicSharedMemory(int(bytes)));
    functions_.emplace(kernel, function);
  }
  return Status::ok();
}

} // namespace llmc::gpu
