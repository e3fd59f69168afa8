// Creating, synchronizing and destroying streams.
#include "runtime/cuda/Stream.h"

#include "runtime/cuda/Event.h"

#include <utility>

namespace llmc::cuda {

StatusOr<Stream> Stream::create(const CudaDriver &driver, bool nonBlocking) {
  CUstream stream = nullptr;
  LLMC_RETURN_IF_ERROR(
      LLMC_CU(driver, cuStreamCreate, &stream,
              nonBlocking ? CU_STREAM_NON_BLOCKING : CU_STREAM_DEFAULT));
  return Stream(driver, stream);
}

Stream::Stream(Stream &&other) noexcept
    : driver_(other.driver_), stream_(std::exchange(other.stream_, nullptr)) {}

Stream &Stream::operator=(Stream &&other) noexcept {
  if (this != &other) {
    reset();
    driver_ = other.driver_;
    stream_ = std::exchange(other.stream_, nullptr);
  }
  return *this;
}

Stream::~Stream() { reset(); }

void Stream::reset() noexcept {
  if (!stream_)
    return;
  (void)driver_->cuStreamDestroy(stream_); // teardown: errors are moot
  stream_ = nullptr;
}

Status Stream::synchronize() const {
  return LLMC_CU(*driver_, cuStreamSynchronize, stream_);
}

StatusOr<bool> Stream::isIdle() const {
  CUresult result = driver_->cuStreamQuery(stream_);
  if (result == CUDA_ERROR_NOT_READY)
    return false;
  LLMC_RETURN_IF_ERROR(driver_->check(result, "cuStreamQuery"));
  return true;
}

Status Stream::waitFor(const Event &event) const {
  return LLMC_CU(*driver_, cuStreamWaitEvent, stream_, event.handle(), 0);
}

} // namespace llmc::cuda
