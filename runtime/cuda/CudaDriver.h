// CudaDriver: the CUDA driver API, reached by loading libcuda.so.1 at run time.
//
// No llmc binary links libcuda: it is dlopen'ed here, so every tool starts on a
// machine without an NVIDIA driver and says so plainly instead of failing in
// the dynamic loader. The entry points are resolved once into this object's
// table (through cuGetProcAddress, pinned to the ABI versions listed in
// CudaDriverEntryPoints.def, with dlsym as the fallback) and every RAII wrapper
// in runtime/cuda keeps a pointer to it; there is no global driver state.
//
// cuda.h is included for its types and cudaTypedefs.h for the PFN_* signatures
// only. cuda.h renames some entry points with macros (cuMemAlloc ->
// cuMemAlloc_v2); the table's members go through the same macros, so
// `driver.cuMemAlloc(...)` names the right member everywhere.
#pragma once

#include "runtime/Status.h"

#include <cuda.h>
#include <cudaTypedefs.h>

#include <memory>
#include <string>

namespace llmc::cuda {

/// The loaded driver: its entry points, version and device count. Create it
/// with load(); it must outlive every object built with it. Loading never
/// unloads libcuda again (the driver keeps threads and exit handlers of its
/// own).
class CudaDriver {
public:
  /// The library a plain load() opens.
  static constexpr const char *kDefaultLibrary = "libcuda.so.1";

  /// Opens `library`, resolves the entry points, runs cuInit(0) and counts the
  /// devices. Fails with "no NVIDIA driver: libcuda.so.1 could not be loaded
  /// (...)" when the library is missing, and with "the NVIDIA driver found no
  /// CUDA device" when it has nothing to drive.
  static StatusOr<std::unique_ptr<CudaDriver>>
  load(const std::string &library = kDefaultLibrary);

  CudaDriver(const CudaDriver &) = delete;
  CudaDriver &operator=(const CudaDriver &) = delete;

  /// The driver's CUDA version as cuDriverGetVersion reports it (13000 = 13.0).
  int version() const { return version_; }
  /// "13.0" for version() 13000.
  std::string versionString() const;
  /// Number of CUDA devices; at least 1 after a successful load().
  int deviceCount() const { return deviceCount_; }
  /// Whether cuGetProcAddress resolved entry points (false: dlsym did all).
  bool resolvedThroughProcAddress() const { return viaProcAddress_; }

  /// "CUDA_ERROR_OUT_OF_MEMORY (out of memory)" for `result`.
  std::string describe(CUresult result) const;
  /// Ok for CUDA_SUCCESS; otherwise an error "<call>: <describe(result)>".
  Status check(CUresult result, const char *call) const;

  // The entry point table, one member per line of CudaDriverEntryPoints.def.
#define LLMC_CUDA_ENTRY(name, version, abiSymbol)                              \
  PFN_##name##_v##version name = nullptr;
#include "runtime/cuda/CudaDriverEntryPoints.def"
#undef LLMC_CUDA_ENTRY

private:
  CudaDriver() = default;
  Status resolveEntryPoints(void *library);
  Status initialize();

  int version_ = 0;
  int deviceCount_ = 0;
  bool viaProcAddress_ = false;
};

} // namespace llmc::cuda

/// Calls `driver.fn(args...)` and turns its CUresult into a Status naming `fn`:
/// `LLMC_CU(driver, cuMemAlloc, &ptr, bytes)`.
#define LLMC_CU(driver, fn, ...) (driver).check((driver).fn(__VA_ARGS__), #fn)
