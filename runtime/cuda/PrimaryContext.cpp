// Retaining, releasing and activating a device's primary context.
#include "runtime/cuda/PrimaryContext.h"

#include <utility>

namespace llmc::cuda {

StatusOr<PrimaryContext> PrimaryContext::retain(const CudaDriver &driver,
                                                int ordinal) {
  if (ordinal < 0 || ordinal >= driver.deviceCount())
    return Status::error("CUDA device " + std::to_string(ordinal) +
                         " does not exist (the driver found " +
                         std::to_string(driver.deviceCount()) + ")");
  CUdevice device = 0;
  LLMC_RETURN_IF_ERROR(LLMC_CU(driver, cuDeviceGet, &device, ordinal));
  CUcontext context = nullptr;
  LLMC_RETURN_IF_ERROR(
      LLMC_CU(driver, cuDevicePrimaryCtxRetain, &context, device)
          .withContext("device " + std::to_string(ordinal)));
  return PrimaryContext(driver, device, ordinal, context);
}

StatusOr<PrimaryContext>
PrimaryContext::retainAndMakeCurrent(const CudaDriver &driver, int ordinal) {
  LLMC_ASSIGN_OR_RETURN(PrimaryContext context, retain(driver, ordinal));
  LLMC_RETURN_IF_ERROR(context.makeCurrent());
  return context;
}

PrimaryContext::PrimaryContext(PrimaryContext &&other) noexcept
    : driver_(other.driver_), device_(other.device_), ordinal_(other.ordinal_),
      context_(std::exchange(other.context_, nullptr)) {}

PrimaryContext &PrimaryContext::operator=(PrimaryContext &&other) noexcept {
  if (this != &other) {
    reset();
    driver_ = other.driver_;
    device_ = other.device_;
    ordinal_ = other.ordinal_;
    context_ = std::exchange(other.context_, nullptr);
  }
  return *this;
}

PrimaryContext::~PrimaryContext() { reset(); }

void PrimaryContext::reset() noexcept {
  if (!context_)
    return;
  // The result is dropped: at process exit the driver may already be shut down.
  (void)driver_->cuDevicePrimaryCtxRelease(device_);
  context_ = nullptr;
}

Status PrimaryContext::makeCurrent() const {
  return LLMC_CU(*driver_, cuCtxSetCurrent, context_);
}

Status PrimaryContext::synchronize() const {
  return LLMC_CU(*driver_, cuCtxSynchronize);
}

} // namespace llmc::cuda
