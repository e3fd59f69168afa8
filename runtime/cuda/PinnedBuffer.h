// PinnedBuffer: owned page-locked host memory, the only host memory that
// asynchronous copies really overlap with GPU work on (sampled tokens come back
// through it one step late).
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"

#include <cstddef>

namespace llmc::cuda {

/// Move-only owner of a cuMemHostAlloc allocation.
class PinnedBuffer {
public:
  /// Allocates `bytes` of page-locked host memory. `flags` are
  /// CU_MEMHOSTALLOC_* (0: usable from the current context only;
  /// CU_MEMHOSTALLOC_PORTABLE: from every context). Zero bytes gives an empty
  /// buffer.
  static StatusOr<PinnedBuffer> allocate(const CudaDriver &driver,
                                         std::size_t bytes, unsigned flags = 0);

  PinnedBuffer() = default;
  PinnedBuffer(PinnedBuffer &&other) noexcept;
  PinnedBuffer &operator=(PinnedBuffer &&other) noexcept;
  PinnedBuffer(const PinnedBuffer &) = delete;
  PinnedBuffer &operator=(const PinnedBuffer &) = delete;
  ~PinnedBuffer();

  void *data() { return data_; }
  const void *data() const { return data_; }
  std::size_t size() const { return size_; }

private:
  PinnedBuffer(const CudaDriver &driver, void *data, std::size_t size)
      : driver_(&driver), data_(data), size_(size) {}
  void reset() noexcept;

  const CudaDriver *driver_ = nullptr;
  void *data_ = nullptr;
  std::size_t size_ = 0;
};

} // namespace llmc::cuda
