// NvrtcLibrary: libnvrtc, loaded at run time, and the entry points llmc uses.
//
// NVRTC is dlopen'ed rather than linked so that the runtime (which compiles PTX
// or kernel source when an engine has no cubin for the device) starts on a
// machine without the CUDA toolkit and says so plainly. Internal to llmc_nvrtc:
// users go through Nvrtc (Nvrtc.h).
#pragma once

#include "runtime/Status.h"

#include <nvrtc.h>

#include <memory>
#include <string>
#include <vector>

namespace llmc::nvrtc {

/// The loaded library. Never unloaded: programs may be alive on other threads
/// until the process ends.
struct NvrtcLibrary {
  /// Tries the soname (the loader path) and then the toolkit's default
  /// location; the error lists every attempt.
  static StatusOr<std::shared_ptr<const NvrtcLibrary>> load();

  /// Where the library was found.
  std::string path;
  /// "13.0".
  std::string version;
  /// Real architectures this NVRTC compiles for (75, 80, ..., 120).
  std::vector<int> supportedArchs;
  /// The toolkit's include directory (cuda_fp16.h, cuda_bf16.h), or empty when
  /// none was found next to the library or in /usr/local/cuda.
  std::string toolkitIncludeDir;

#define LLMC_NVRTC_ENTRY(name) decltype(&::name) name = nullptr;
#include "compiler/Nvrtc/NvrtcEntryPoints.def"
#undef LLMC_NVRTC_ENTRY

  /// "nvrtcCompileProgram: NVRTC_ERROR_COMPILATION" style errors.
  Status check(nvrtcResult result, const char *call) const;
};

} // namespace llmc::nvrtc
