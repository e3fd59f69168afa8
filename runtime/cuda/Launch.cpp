// Kernel launches through cuLaunchKernel.
#include "runtime/cuda/Launch.h"

namespace llmc::cuda {

Status launch(const Function &function, Dim3 grid, Dim3 block,
              unsigned sharedBytes, const Stream &stream, void **args) {
  if (sharedBytes > kDefaultDynamicSharedMemoryLimit)
    LLMC_RETURN_IF_ERROR(function.setMaxDynamicSharedMemory(int(sharedBytes)));
  const CudaDriver &driver = function.driver();
  Status status = LLMC_CU(driver, cuLaunchKernel, function.handle(), grid.x,
                          grid.y, grid.z, block.x, block.y, block.z,
                          sharedBytes, stream.handle(), args, nullptr);
  if (status.isOk()) // launches are hot: build the message only on failure
    return status;
  return status.withContext(
      "launching " + function.name() + " grid (" + std::to_string(grid.x) +
      "," + std::to_string(grid.y) + "," + std::to_string(grid.z) +
      ") block (" + std::to_string(block.x) + "," + std::to_string(block.y) +
      "," + std::to_string(block.z) + ") shared " +
      std::to_string(sharedBytes));
}

} // namespace llmc::cuda
