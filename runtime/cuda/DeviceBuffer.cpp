// Device memory allocation and the copies between host and device.
#include "runtime/cuda/DeviceBuffer.h"

#include "runtime/cuda/Stream.h"

#include <utility>

namespace llmc::cuda {

StatusOr<DeviceBuffer> DeviceBuffer::allocate(const CudaDriver &driver,
                                              std::size_t bytes) {
  if (bytes == 0)
    return DeviceBuffer(driver, 0, 0);
  CUdeviceptr pointer = 0;
  LLMC_RETURN_IF_ERROR(LLMC_CU(driver, cuMemAlloc, &pointer, bytes)
                           .withContext("allocating " + std::to_string(bytes) +
                                        " bytes of device memory"));
  return DeviceBuffer(driver, pointer, bytes);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer &&other) noexcept
    : driver_(other.driver_), pointer_(std::exchange(other.pointer_, 0)),
      size_(std::exchange(other.size_, 0)) {}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    reset();
    driver_ = other.driver_;
    pointer_ = std::exchange(other.pointer_, 0);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

DeviceBuffer::~DeviceBuffer() { reset(); }

void DeviceBuffer::reset() noexcept {
  if (pointer_)
    (void)driver_->cuMemFree(pointer_); // teardown: errors are moot
  pointer_ = 0;
  size_ = 0;
}

Status DeviceBuffer::checkRange(std::size_t bytes, std::size_t offset,
                                const char *what) const {
  if (offset > size_ || bytes > size_ - offset)
    return Status::error(std::string(what) + " of " + std::to_string(bytes) +
                         " bytes at offset " + std::to_string(offset) +
                         " runs past the end of a " + std::to_string(size_) +
                         "-byte device buffer");
  return Status::ok();
}

Status DeviceBuffer::copyFromHost(const void *source, std::size_t bytes,
                                  std::size_t offset) {
  LLMC_RETURN_IF_ERROR(checkRange(bytes, offset, "copy to the device"));
  if (bytes == 0)
    return Status::ok();
  return LLMC_CU(*driver_, cuMemcpyHtoD, pointer_ + offset, source, bytes);
}

Status DeviceBuffer::copyToHost(void *destination, std::size_t bytes,
                                std::size_t offset) const {
  LLMC_RETURN_IF_ERROR(checkRange(bytes, offset, "copy to the host"));
  if (bytes == 0)
    return Status::ok();
  return LLMC_CU(*driver_, cuMemcpyDtoH, destination, pointer_ + offset, bytes);
}

Status DeviceBuffer::copyFromHostAsync(const void *source, std::size_t bytes,
                                       const Stream &stream,
                                       std::size_t offset) {
  LLMC_RETURN_IF_ERROR(checkRange(bytes, offset, "copy to the device"));
  if (bytes == 0)
    return Status::ok();
  return LLMC_CU(*driver_, cuMemcpyHtoDAsync, pointer_ + offset, source, bytes,
                 stream.handle());
}

Status DeviceBuffer::copyToHostAsync(void *destination, std::size_t bytes,
                                     const Stream &stream,
                                     std::size_t offset) const {
  LLMC_RETURN_IF_ERROR(checkRange(bytes, offset, "copy to the host"));
  if (bytes == 0)
    return Status::ok();
  return LLMC_CU(*driver_, cuMemcpyDtoHAsync, destination, pointer_ + offset,
                 bytes, stream.handle());
}

Status DeviceBuffer::copyFromDeviceAsync(const DeviceBuffer &source,
                                         const Stream &stream) {
  LLMC_RETURN_IF_ERROR(checkRange(source.size(), 0, "device-to-device copy"));
  if (source.size() == 0)
    return Status::ok();
  return LLMC_CU(*driver_, cuMemcpyDtoDAsync, pointer_, source.pointer(),
                 source.size(), stream.handle());
}

Status DeviceBuffer::fillAsync(std::uint8_t value, const Stream &stream) {
  if (size_ == 0)
    return Status::ok();
  return LLMC_CU(*driver_, cuMemsetD8Async, pointer_, value, size_,
                 stream.handle());
}

Status DeviceBuffer::fill(std::uint8_t value) {
  if (size_ == 0)
    return Status::ok();
  return LLMC_CU(*driver_, cuMemsetD8, pointer_, value, size_);
}

} // namespace llmc::cuda
