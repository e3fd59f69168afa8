#include "runtime/gpu/TokenRing.h"

#include "runtime/engine/EngineAbi.h"

#include <algorithm>

namespace llmc::gpu {

StatusOr<TokenRing> TokenRing::allocate(const cuda::CudaDriver &driver,
                                        int rows, int64_t slots) {
  TokenRing ring;
  ring.rows_ = rows;
  ring.slots_ = slots;
  LLMC_ASSIGN_OR_RETURN(ring.stepCounter_,
                        cuda::DeviceBuffer::allocate(driver, 8));
  LLMC_RETURN_IF_ERROR(ring.stepCounter_.fill(0));
  LLMC_ASSIGN_OR_RETURN(
      ring.ring_,
      cuda::PinnedBuffer::allocate(
          driver, size_t(rows) * size_t(slots) * sizeof(engine::TokenRingEntry),
          CU_MEMHOSTALLOC_DEVICEMAP));
  auto *entries = static_cast<engine::TokenRingEntry *>(ring.ring_.data());
  for (size_t i = 0; i < size_t(rows) * size_t(slots); ++i)
    entries[i] = engine::TokenRingEntry{-1, 0};
  LLMC_ASSIGN_OR_RETURN(
      ring.logprobRing_,
      cuda::PinnedBuffer::allocate(driver,
                                   size_t(rows) * size_t(slots) *
                                       sizeof(engine::LogprobRingEntry),
                                   CU_MEMHOSTALLOC_DEVICEMAP));
  auto *scored =
      static_cast<engine::LogprobRingEntry *>(ring.logprobRing_.data());
  for (size_t i = 0; i < size_t(rows) * size_t(slots); ++i)
    scored[i].count = -1;
  return ring;
}

std::vector<serving::SlotEvent> TokenRing::take(uint64_t updateIndex) {
  const uint64_t first = (updateIndex % uint64_t(rows_)) * uint64_t(slots_);
  auto *row = static_cast<engine::TokenRingEntry *>(ring_.data()) + first;
  auto *scoredRow =
      static_cast<engine::LogprobRingEntry *>(logprobRing_.data()) + first;
  std::vector<serving::SlotEvent> events;
  for (int64_t s = 0; s < slots_; ++s) {
    volatile engine::TokenRingEntry *entry = row + s;
    if (entry->token < 0)
      continue;
    serving::SlotEvent event;
    event.slot = int32_t(s);
    event.token = entry->token;
    event.finishReason = engine::FinishReason(entry->finishReason);
    entry->token = -1;
    // The Logprobs kernel wrote this slot's entry of the same row if its
    // request asked for log-probabilities.
    volatile engine::LogprobRingEntry *scored = scoredRow + s;
    if (scored->count >= 0) {
      event.logprob = scored->logprob;
      const int count = std::min(int(scored->count), engine::kMaxTopLogprobs);
      for (int i = 0; i < count; ++i)
        event.topLogprobs.push_back({scored->ids[i], scored->logprobs[i]});
      scored->count = -1;
    }
    events.push_back(std::move(event));
  }
  return events;
}

} // namespace llmc::gpu
