// DeviceProperties: what llmc needs to know about a CUDA device to pick
// kernels, tile shapes and memory budgets (its arch, SM count, shared memory
// limits, memory size).
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"

#include <cstddef>
#include <string>

namespace llmc::cuda {

/// Static properties of one device, queried once.
struct DeviceProperties {
  int ordinal = 0;
  std::string name; ///< "NVIDIA H100 80GB HBM3"
  int computeCapabilityMajor = 0;
  int computeCapabilityMinor = 0;
  int multiprocessorCount = 0;
  std::size_t totalMemoryBytes = 0;
  int maxThreadsPerBlock = 0;
  /// Shared memory a block gets without opting in (48 KiB on every current
  /// GPU).
  int maxSharedMemoryPerBlock = 0;
  /// Shared memory a block may opt into with
  /// CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES (227 KiB on sm_90).
  int maxSharedMemoryPerBlockOptin = 0;
  int maxSharedMemoryPerMultiprocessor = 0;
  int l2CacheBytes = 0;

  /// The plain arch name, "sm_90" for compute capability 9.0. Arch-specific
  /// variants ("sm_90a") are the compiler's choice, not a device property.
  std::string arch() const;
};

/// Queries the properties of device `ordinal`; needs no current context.
StatusOr<DeviceProperties> queryDeviceProperties(const CudaDriver &driver,
                                                 int ordinal);

/// Free and total memory of the device whose context is current.
struct DeviceMemoryInfo {
  std::size_t freeBytes = 0;
  std::size_t totalBytes = 0;
};

/// cuMemGetInfo for the current context.
StatusOr<DeviceMemoryInfo> queryMemoryInfo(const CudaDriver &driver);

} // namespace llmc::cuda
