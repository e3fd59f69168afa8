// Loading libcuda.so.1 and resolving the driver's entry points.
//
// Resolution order per entry point: cuGetProcAddress_v2 (drivers of CUDA 12.0
// and later) asked for the pinned version, then dlsym of the exported name of
// that same version. A driver that has neither is too old for llmc, and the
// error says which entry point and which CUDA version it lacks.
#include "runtime/cuda/CudaDriver.h"

#include <dlfcn.h>

#include <type_traits>

namespace llmc::cuda {
namespace {

// Each pinned variant must be the one CUDA 13's cuda.h declares; otherwise the
// .def line names an ABI the rest of the code does not call with.
#define LLMC_CUDA_ENTRY(name, version, abiSymbol)                              \
  static_assert(std::is_same_v<decltype(&::name), PFN_##name##_v##version>,    \
                #name " in CudaDriverEntryPoints.def is not the variant "      \
                      "cuda.h declares");
#include "runtime/cuda/CudaDriverEntryPoints.def"
#undef LLMC_CUDA_ENTRY

std::string cudaVersionString(int version) {
  return std::to_string(version / 1000) + "." +
         std::to_string(version % 1000 / 10);
}

/// Resolves one entry point into `slot`, or explains why it cannot.
template <typename Pfn>
Status resolveOne(void *library, PFN_cuGetProcAddress_v12000 getProcAddress,
                  const char *name, int version, const char *abiSymbol,
                  Pfn &slot, bool &usedProcAddress) {
  if (getProcAddress) {
    void *fn = nullptr;
    CUdriverProcAddressQueryResult found = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
    if (getProcAddress(name, &fn, version, CU_GET_PROC_ADDRESS_DEFAULT,
                       &found) == CUDA_SUCCESS &&
        found == CU_GET_PROC_ADDRESS_SUCCESS && fn) {
      slot = reinterpret_cast<Pfn>(fn);
      usedProcAddress = true;
      return Status::ok();
    }
  }
  if (void *fn = dlsym(library, abiSymbol)) {
    slot = reinterpret_cast<Pfn>(fn);
    return Status::ok();
  }
  return Status::error("the NVIDIA driver is too old: it lacks " +
                       std::string(name) + " as of CUDA " +
                       cudaVersionString(version));
}

} // namespace

StatusOr<std::unique_ptr<CudaDriver>>
CudaDriver::load(const std::string &library) {
  // RTLD_LOCAL keeps the driver's symbols out of the global namespace; nothing
  // else in the process should bind to them by accident.
  void *handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *reason = dlerror();
    return Status::error("no NVIDIA driver: " + library +
                         " could not be loaded (" +
                         (reason ? reason : "unknown reason") + ")");
  }
  std::unique_ptr<CudaDriver> driver(new CudaDriver());
  LLMC_RETURN_IF_ERROR(driver->resolveEntryPoints(handle));
  LLMC_RETURN_IF_ERROR(driver->initialize());
  return driver;
}

Status CudaDriver::resolveEntryPoints(void *library) {
  // Present in every driver since CUDA 12.0; older drivers fall back to dlsym.
  auto getProcAddress = reinterpret_cast<PFN_cuGetProcAddress_v12000>(
      dlsym(library, "cuGetProcAddress_v2"));
  bool usedProcAddress = false;
#define LLMC_CUDA_ENTRY(name, version, abiSymbol)                              \
  LLMC_RETURN_IF_ERROR(resolveOne(library, getProcAddress, #name, version,     \
                                  #abiSymbol, this->name, usedProcAddress));
#include "runtime/cuda/CudaDriverEntryPoints.def"
#undef LLMC_CUDA_ENTRY
  viaProcAddress_ = usedProcAddress;
  return Status::ok();
}

Status CudaDriver::initialize() {
  // cuInit first: it is the call whose failure says what is missing.
  CUresult init = this->cuInit(0);
  if (init == CUDA_ERROR_STUB_LIBRARY)
    return Status::error("no NVIDIA driver: the loaded libcuda is the CUDA "
                         "toolkit's stub library, not a driver (cuInit: " +
                         describe(init) + ")");
  if (init == CUDA_ERROR_NO_DEVICE)
    return Status::error("the NVIDIA driver found no CUDA device (cuInit: " +
                         describe(init) + ")");
  LLMC_RETURN_IF_ERROR(check(init, "cuInit"));
  LLMC_RETURN_IF_ERROR(LLMC_CU(*this, cuDriverGetVersion, &version_));
  LLMC_RETURN_IF_ERROR(LLMC_CU(*this, cuDeviceGetCount, &deviceCount_));
  if (deviceCount_ == 0)
    return Status::error("the NVIDIA driver found no CUDA device");
  return Status::ok();
}

std::string CudaDriver::versionString() const {
  return cudaVersionString(version_);
}

std::string CudaDriver::describe(CUresult result) const {
  const char *name = nullptr;
  const char *text = nullptr;
  // Both work before cuInit; the stub library answers neither.
  if (this->cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
    return "CUresult " + std::to_string(int(result));
  if (this->cuGetErrorString(result, &text) != CUDA_SUCCESS || !text)
    return name;
  return std::string(name) + " (" + text + ")";
}

Status CudaDriver::check(CUresult result, const char *call) const {
  if (result == CUDA_SUCCESS)
    return Status::ok();
  return Status::error(std::string(call) + ": " + describe(result));
}

} // namespace llmc::cuda
