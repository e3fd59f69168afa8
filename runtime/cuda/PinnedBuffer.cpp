// Page-locked host memory through cuMemHostAlloc.
#include "runtime/cuda/PinnedBuffer.h"

#include <utility>

namespace llmc::cuda {

StatusOr<PinnedBuffer> PinnedBuffer::allocate(const CudaDriver &driver,
                                              std::size_t bytes,
                                              unsigned flags) {
  if (bytes == 0)
    return PinnedBuffer(driver, nullptr, 0);
  void *data = nullptr;
  LLMC_RETURN_IF_ERROR(LLMC_CU(driver, cuMemHostAlloc, &data, bytes, flags)
                           .withContext("allocating " + std::to_string(bytes) +
                                        " bytes of pinned host memory"));
  return PinnedBuffer(driver, data, bytes);
}

PinnedBuffer::PinnedBuffer(PinnedBuffer &&other) noexcept
    : driver_(other.driver_), data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

PinnedBuffer &PinnedBuffer::operator=(PinnedBuffer &&other) noexcept {
  if (this != &other) {
    reset();
    driver_ = other.driver_;
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

PinnedBuffer::~PinnedBuffer() { reset(); }

void PinnedBuffer::reset() noexcept {
  if (data_)
    (void)driver_->cuMemFreeHost(data_); // teardown: errors are moot
  data_ = nullptr;
  size_ = 0;
}

} // namespace llmc::cuda
