// Finding and loading libnvrtc.so.13, and what it reports about itself.
#include "compiler/Nvrtc/NvrtcLibrary.h"

#include <dlfcn.h>

#include <filesystem>

namespace llmc::nvrtc {
namespace {

/// The sonames tried in order: the loader path first (LD_LIBRARY_PATH,
/// ldconfig), then the toolkit's standard location.
const char *const kCandidates[] = {
    "libnvrtc.so.13",
    "/usr/local/cuda/lib64/libnvrtc.so.13",
};

/// The file of the shared library that defines `symbol`.
std::string libraryPathOf(void *symbol, const std::string &fallback) {
  Dl_info info{};
  if (dladdr(symbol, &info) && info.dli_fname)
    return info.dli_fname;
  return fallback;
}

/// cuda_fp16.h and cuda_bf16.h are not built into NVRTC; kernels that use them
/// need the toolkit's include directory. It sits at ../include from the
/// library in the toolkit layout.
std::string findToolkitIncludeDir(const std::string &libraryPath) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path libDir = fs::path(libraryPath).parent_path();
  for (const fs::path &dir :
       {libDir.parent_path() / "include", fs::path("/usr/local/cuda/include")})
    if (fs::exists(dir / "cuda_bf16.h", ec))
      return fs::weakly_canonical(dir, ec).string();
  return "";
}

} // namespace

StatusOr<std::shared_ptr<const NvrtcLibrary>> NvrtcLibrary::load() {
  std::string attempts;
  void *handle = nullptr;
  std::string opened;
  for (const char *candidate : kCandidates) {
    handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL);
    if (handle) {
      opened = candidate;
      break;
    }
    const char *reason = dlerror();
    attempts += std::string(attempts.empty() ? "" : "; ") +
                (reason ? reason : candidate);
  }
  if (!handle)
    return Status::error(
        "NVRTC is not available: libnvrtc.so.13 could not be loaded (" +
        attempts +
        "); install the CUDA 13 toolkit's NVRTC or add its lib64 directory to "
        "LD_LIBRARY_PATH");

  auto library = std::make_shared<NvrtcLibrary>();
#define LLMC_NVRTC_ENTRY(name)                                                 \
  library->name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name));   \
  if (!library->name)                                                          \
    return Status::error(opened + " lacks " #name);
#include "compiler/Nvrtc/NvrtcEntryPoints.def"
#undef LLMC_NVRTC_ENTRY

  library->path =
      libraryPathOf(reinterpret_cast<void *>(library->nvrtcVersion), opened);
  int major = 0, minor = 0;
  LLMC_RETURN_IF_ERROR(
      library->check(library->nvrtcVersion(&major, &minor), "nvrtcVersion"));
  library->version = std::to_string(major) + "." + std::to_string(minor);
  int count = 0;
  LLMC_RETURN_IF_ERROR(library->check(
      library->nvrtcGetNumSupportedArchs(&count), "nvrtcGetNumSupportedArchs"));
  library->supportedArchs.resize(count);
  LLMC_RETURN_IF_ERROR(library->check(
      library->nvrtcGetSupportedArchs(library->supportedArchs.data()),
      "nvrtcGetSupportedArchs"));
  library->toolkitIncludeDir = findToolkitIncludeDir(library->path);
  return std::shared_ptr<const NvrtcLibrary>(std::move(library));
}

Status NvrtcLibrary::check(nvrtcResult result, const char *call) const {
  if (result == NVRTC_SUCCESS)
    return Status::ok();
  return Status::error(std::string(call) + ": " + nvrtcGetErrorString(result));
}

} // namespace llmc::nvrtc
