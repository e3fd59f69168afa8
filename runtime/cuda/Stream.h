// Stream: an owned CUDA stream, the queue every copy, launch and graph replay
// goes through.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"

namespace llmc::cuda {

class Event;

/// Move-only owner of a CUstream.
class Stream {
public:
  /// Creates a stream in the current context. A non-blocking stream does not
  /// synchronize with the legacy default stream, which is what llmc wants for
  /// every stream it runs work on.
  static StatusOr<Stream> create(const CudaDriver &driver,
                                 bool nonBlocking = true);

  Stream(Stream &&other) noexcept;
  Stream &operator=(Stream &&other) noexcept;
  Stream(const Stream &) = delete;
  Stream &operator=(const Stream &) = delete;
  ~Stream();

  /// Blocks until all work queued so far has finished.
  Status synchronize() const;
  /// True when all queued work has finished; never blocks.
  StatusOr<bool> isIdle() const;
  /// Makes later work on this stream wait for `event`'s last record.
  Status waitFor(const Event &event) const;

  CUstream handle() const { return stream_; }
  const CudaDriver &driver() const { return *driver_; }

private:
  Stream(const CudaDriver &driver, CUstream stream)
      : driver_(&driver), stream_(stream) {}
  void reset() noexcept;

  const CudaDriver *driver_ = nullptr;
  CUstream stream_ = nullptr;
};

} // namespace llmc::cuda
