// LoadedKernels: an engine's kernel modules loaded for one device, and the
// functions its phases launch. Each module loads its cubin for the device's
// arch when the engine has one, and otherwise its PTX, which the driver
// compiles; the arch of the code that was loaded then picks the launch
// variants (PhaseLaunches.h). Kernels that ask for more than the default
// dynamic shared memory are opted in here, once per function.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/Module.h"
#include "runtime/gpu/EngineFiles.h"

#include <map>
#include <string>
#include <vector>

namespace llmc::gpu {

class LoadedKernels {
public:
  /// Loads every module of `engine` for a device of `deviceArch` ("sm_90").
  static StatusOr<LoadedKernels> load(const cuda::CudaDriver &driver,
                                      const EngineFiles &engine,
                                      const std::string &deviceArch);
  LoadedKernels() = default;

  /// The arch of the loaded code ("sm_90a", or the PTX's when the engine has
  /// no cubin for the device).
  const std::string &codeArch() const { return codeArch_; }
  /// Every kernel this code can run, by its manifest name.
  const std::map<std::string, cuda::Function> &functions() const {
    return functions_;
  }

private:
  Status loadFunctions(const Manifest &manifest);

  std::vector<cuda::Module> modules_;
  std::map<std::string, cuda::Function> functions_;
  std::string codeArch_;
};

} // namespace llmc::gpu
