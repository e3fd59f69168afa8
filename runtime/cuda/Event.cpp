// Creating, recording, waiting on and timing events.
#include "runtime/cuda/Event.h"

#include "runtime/cuda/Stream.h"

#include <utility>

namespace llmc::cuda {

StatusOr<Event> Event::create(const CudaDriver &driver, bool timing) {
  CUevent event = nullptr;
  LLMC_RETURN_IF_ERROR(
      LLMC_CU(driver, cuEventCreate, &event,
              timing ? CU_EVENT_DEFAULT : CU_EVENT_DISABLE_TIMING));
  return Event(driver, event);
}

Event::Event(Event &&other) noexcept
    : driver_(other.driver_), event_(std::exchange(other.event_, nullptr)) {}

Event &Event::operator=(Event &&other) noexcept {
  if (this != &other) {
    reset();
    driver_ = other.driver_;
    event_ = std::exchange(other.event_, nullptr);
  }
  return *this;
}

Event::~Event() { reset(); }

void Event::reset() noexcept {
  if (!event_)
    return;
  (void)driver_->cuEventDestroy(event_); // teardown: errors are moot
  event_ = nullptr;
}

Status Event::record(const Stream &stream) const {
  return LLMC_CU(*driver_, cuEventRecord, event_, stream.handle());
}

Status Event::synchronize() const {
  return LLMC_CU(*driver_, cuEventSynchronize, event_);
}

StatusOr<bool> Event::isComplete() const {
  CUresult result = driver_->cuEventQuery(event_);
  if (result == CUDA_ERROR_NOT_READY)
    return false;
  LLMC_RETURN_IF_ERROR(driver_->check(result, "cuEventQuery"));
  return true;
}

StatusOr<float> Event::elapsedMs(const Event &start, const Event &end) {
  float ms = 0.0f;
  LLMC_RETURN_IF_ERROR(LLMC_CU(*start.driver_, cuEventElapsedTime, &ms,
                               start.event_, end.event_));
  return ms;
}

} // namespace llmc::cuda
