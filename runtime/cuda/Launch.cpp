// Kernel launches through cuLaunchKernel, or cuLaunchKernelEx with the
// programmatic-serialization attribute.
#include "runtime/cuda/Launch.h"

namespace llmc::cuda {

namespace {

Status launchProgrammatic(const Function &function, Dim3 grid, Dim3 block,
                          unsigned sharedBytes, const Stream &stream,
                          void **args) {
  CUlaunchAttribute attribute = {};
  attribute.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
  attribute.value.programmaticStreamSerializationAllowed = 1;
  CUlaunchConfig config = {};
  config.gridDimX = grid.x;
  config.gridDimY = grid.y;
  config.gridDimZ = grid.z;
  config.blockDimX = block.x;
  config.blockDimY = block.y;
  config.blockDimZ = block.z;
  config.sharedMemBytes = sharedBytes;
  config.hStream = stream.handle();
  config.attrs = &attribute;
  config.numAttrs = 1;
  return LLMC_CU(function.driver(), cuLaunchKernelEx, &config,
                 function.handle(), args, nullptr);
}

} // namespace

Status launch(const Function &function, Dim3 grid, Dim3 block,
              unsigned sharedBytes, const Stream &stream, void **args,
              LaunchOverlap overlap) {
  if (sharedBytes > kDefaultDynamicSharedMemoryLimit)
    LLMC_RETURN_IF_ERROR(function.setMaxDynamicSharedMemory(int(sharedBytes)));
  Status status =
      overlap == LaunchOverlap::Programmatic
          ? launchProgrammatic(function, grid, block, sharedBytes, stream, args)
          : LLMC_CU(function.driver(), cuLaunchKernel, function.handle(),
                    grid.x, grid.y, grid.z, block.x, block.y, block.z,
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
