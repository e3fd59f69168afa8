// Device property queries through cuDeviceGetAttribute.
#include "runtime/cuda/DeviceProperties.h"

namespace llmc::cuda {

std::string DeviceProperties::arch() const {
  return "sm_" + std::to_string(computeCapabilityMajor) +
         std::to_string(computeCapabilityMinor);
}

StatusOr<DeviceProperties> queryDeviceProperties(const CudaDriver &driver,
                                                 int ordinal) {
  if (ordinal < 0 || ordinal >= driver.deviceCount())
    return Status::error("CUDA device " + std::to_string(ordinal) +
                         " does not exist (the driver found " +
                         std::to_string(driver.deviceCount()) + ")");
  CUdevice device = 0;
  LLMC_RETURN_IF_ERROR(LLMC_CU(driver, cuDeviceGet, &device, ordinal));

  DeviceProperties props;
  props.ordinal = ordinal;
  char name[256] = {};
  LLMC_RETURN_IF_ERROR(
      LLMC_CU(driver, cuDeviceGetName, name, int(sizeof(name) - 1), device));
  props.name = name;
  LLMC_RETURN_IF_ERROR(
      LLMC_CU(driver, cuDeviceTotalMem, &props.totalMemoryBytes, device));

  struct Query {
    CUdevice_attribute attribute;
    int *into;
  };
  const Query queries[] = {
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
       &props.computeCapabilityMajor},
      {CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
       &props.computeCapabilityMinor},
      {CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, &props.multiprocessorCount},
      {CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, &props.maxThreadsPerBlock},
      {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK,
       &props.maxSharedMemoryPerBlock},
      {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
       &props.maxSharedMemoryPerBlockOptin},
      {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR,
       &props.maxSharedMemoryPerMultiprocessor},
      {CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, &props.l2CacheBytes},
  };
  for (const Query &q : queries)
    LLMC_RETURN_IF_ERROR(
        LLMC_CU(driver, cuDeviceGetAttribute, q.into, q.attribute, device)
            .withContext("device " + std::to_string(ordinal) + " attribute " +
                         std::to_string(int(q.attribute))));
  return props;
}

StatusOr<DeviceMemoryInfo> queryMemoryInfo(const CudaDriver &driver) {
  DeviceMemoryInfo info;
  LLMC_RETURN_IF_ERROR(
      LLMC_CU(driver, cuMemGetInfo, &info.freeBytes, &info.totalBytes));
  return info;
}

} // namespace llmc::cuda
