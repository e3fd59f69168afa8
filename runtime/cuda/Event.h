// Event: an owned CUDA event, for ordering streams, knowing when work is done
// (tokens coming back through pinned memory) and timing GPU work.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"

namespace llmc::cuda {

class Stream;

/// Move-only owner of a CUevent.
class Event {
public:
  /// Creates an event in the current context. Timing events cost a little more
  /// to record; events used only for ordering should pass timing = false.
  static StatusOr<Event> create(const CudaDriver &driver, bool timing = true);

  Event(Event &&other) noexcept;
  Event &operator=(Event &&other) noexcept;
  Event(const Event &) = delete;
  Event &operator=(const Event &) = delete;
  ~Event();

  /// Records the event at the current end of `stream`.
  Status record(const Stream &stream) const;
  /// Blocks until the work before the last record has finished.
  Status synchronize() const;
  /// True once the work before the last record has finished; never blocks.
  StatusOr<bool> isComplete() const;
  /// Milliseconds between two recorded, completed timing events.
  static StatusOr<float> elapsedMs(const Event &start, const Event &end);

  CUevent handle() const { return event_; }

private:
  Event(const CudaDriver &driver, CUevent event)
      : driver_(&driver), event_(event) {}
  void reset() noexcept;

  const CudaDriver *driver_ = nullptr;
  CUevent event_ = nullptr;
};

} // namespace llmc::cuda
