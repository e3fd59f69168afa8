// DeviceBuffer: an owned allocation of device memory with bounds-checked copies
// to and from the host (synchronous, or queued on a stream).
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"

#include <cstddef>
#include <cstdint>

namespace llmc::cuda {

class Stream;

/// Move-only owner of a cuMemAlloc allocation. Offsets and sizes are in bytes;
/// a copy that would run past the end is an error, not undefined behaviour.
class DeviceBuffer {
public:
  /// Allocates `bytes` in the current context. Zero bytes gives an empty buffer
  /// with a null pointer (cuMemAlloc rejects zero).
  static StatusOr<DeviceBuffer> allocate(const CudaDriver &driver,
                                         std::size_t bytes);

  DeviceBuffer() = default;
  DeviceBuffer(DeviceBuffer &&other) noexcept;
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  ~DeviceBuffer();

  CUdeviceptr pointer() const { return pointer_; }
  std::size_t size() const { return size_; }

  /// Copies `bytes` from host memory into [offset, offset + bytes).
  Status copyFromHost(const void *source, std::size_t bytes,
                      std::size_t offset = 0);
  /// Copies [offset, offset + bytes) into host memory.
  Status copyToHost(void *destination, std::size_t bytes,
                    std::size_t offset = 0) const;
  /// Queues a host-to-device copy on `stream`. `source` must stay valid until
  /// the copy has run; it is only asynchronous for page-locked memory
  /// (PinnedBuffer).
  Status copyFromHostAsync(const void *source, std::size_t bytes,
                           const Stream &stream, std::size_t offset = 0);
  /// Queues a device-to-host copy on `stream` (see copyFromHostAsync).
  Status copyToHostAsync(void *destination, std::size_t bytes,
                         const Stream &stream, std::size_t offset = 0) const;
  /// Queues a copy of all of `source` to the start of this buffer.
  Status copyFromDeviceAsync(const DeviceBuffer &source, const Stream &stream);
  /// Queues setting every byte to `value`.
  Status fillAsync(std::uint8_t value, const Stream &stream);
  /// Sets every byte to `value` and waits for it.
  Status fill(std::uint8_t value);

private:
  DeviceBuffer(const CudaDriver &driver, CUdeviceptr pointer, std::size_t size)
      : driver_(&driver), pointer_(pointer), size_(size) {}
  Status checkRange(std::size_t bytes, std::size_t offset,
                    const char *what) const;
  void reset() noexcept;

  const CudaDriver *driver_ = nullptr;
  CUdeviceptr pointer_ = 0;
  std::size_t size_ = 0;
};

} // namespace llmc::cuda
