#include "runtime/gpu/StepQueue.h"

#include "runtime/gpu/PackedLayout.h"

#include <cstring>

namespace llmc::gpu {

StatusOr<StepQueue> StepQueue::create(const cuda::CudaDriver &driver,
                                      const cuda::Stream &stream, int steps,
                                      std::size_t stagingBytes) {
  StepQueue queue;
  queue.driver_ = &driver;
  queue.stream_ = &stream;
  for (int i = 0; i < steps; ++i) {
    auto step = std::make_unique<StepSlot>();
    LLMC_ASSIGN_OR_RETURN(step->staging,
                          cuda::PinnedBuffer::allocate(driver, stagingBytes));
    LLMC_ASSIGN_OR_RETURN(cuda::Event start, cuda::Event::create(driver));
    LLMC_ASSIGN_OR_RETURN(cuda::Event end, cuda::Event::create(driver));
    step->start.emplace(std::move(start));
    step->end.emplace(std::move(end));
    queue.steps_.push_back(std::move(step));
  }
  return queue;
}

StatusOr<StepQueue::StepSlot *> StepQueue::nextStep() {
  StepSlot &step = slotOf(stepsQueued_);
  if (step.pending)
    return Status::error("step " + std::to_string(step.stepIndex) +
                         " is still uncollected; at most " +
                         std::to_string(steps_.size()) +
                         " steps may be in flight");
  return &step;
}

Status StepQueue::copyStaged(const void *host, std::size_t bytes,
                             CUdeviceptr target) {
  LLMC_ASSIGN_OR_RETURN(StepSlot * step, nextStep());
  // Copies are 16-byte aligned in the staging area.
  const std::size_t offset = alignUp(step->used, 16);
  if (offset + bytes > step->staging.size())
    return Status::error("the step's staging area is full");
  char *staged = static_cast<char *>(step->staging.data()) + offset;
  std::memcpy(staged, host, bytes);
  step->used = offset + bytes;
  ++hostToDeviceCopies_;
  return driver_->check(
      driver_->cuMemcpyHtoDAsync(target, staged, bytes, stream_->handle()),
      "cuMemcpyHtoDAsync");
}

Status StepQueue::setWord(CUdeviceptr target, int32_t value) {
  ++wordWrites_;
  return driver_->check(
      driver_->cuMemsetD32Async(target, uint32_t(value), 1, stream_->handle()),
      "cuMemsetD32Async");
}

StatusOr<StepTicket> StepQueue::begin() {
  LLMC_ASSIGN_OR_RETURN(StepSlot * step, nextStep());
  LLMC_RETURN_IF_ERROR(step->start->record(*stream_));
  StepTicket ticket;
  ticket.index = stepsQueued_;
  return ticket;
}

Status StepQueue::end(StepTicket &ticket) {
  StepSlot &step = slotOf(ticket.index);
  LLMC_RETURN_IF_ERROR(step.end->record(*stream_));
  step.pending = true;
  step.stepIndex = ticket.index;
  ++stepsQueued_;
  return Status::ok();
}

Status StepQueue::wait(const StepTicket &ticket) const {
  const StepSlot &step = slotOf(ticket.index);
  if (!step.pending || step.stepIndex != ticket.index)
    return Status::error("step " + std::to_string(ticket.index) +
                         " was already collected");
  return step.end->synchronize();
}

void StepQueue::retire(const StepTicket &ticket) {
  StepSlot &step = slotOf(ticket.index);
  step.pending = false;
  step.used = 0;
}

StatusOr<float> StepQueue::gpuMilliseconds(const StepTicket &ticket) const {
  const StepSlot &step = slotOf(ticket.index);
  return cuda::Event::elapsedMs(*step.start, *step.end);
}

StatusOr<float>
StepQueue::gapBeforeMilliseconds(const StepTicket &ticket) const {
  if (ticket.index == 0)
    return Status::error("the first step has no step before it");
  // The previous step's events are reused only steps_.size() steps later.
  const StepSlot &previous = slotOf(ticket.index - 1);
  const StepSlot &current = slotOf(ticket.index);
  return cuda::Event::elapsedMs(*previous.end, *current.start);
}

Status StepQueue::checkCollected(const StepTicket &ticket) const {
  const StepSlot &step = slotOf(ticket.index);
  if (step.pending || step.stepIndex != ticket.index)
    return Status::error("step " + std::to_string(ticket.index) +
                         " has not been collected");
  return Status::ok();
}

} // namespace llmc::gpu
