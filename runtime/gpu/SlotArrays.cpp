#include "runtime/gpu/SlotArrays.h"

#include "runtime/engine/EngineAbi.h"
#include "runtime/gpu/PackedLayout.h"

#include <vector>

namespace llmc::gpu {

using engine::FinishReason;
using engine::kMaxStopIds;

namespace {

/// Bytes one slot takes in slot array `name` (engine::kSlotArrays).
uint64_t slotStride(const std::string &name) {
  for (const engine::SlotArrayInfo &array : engine::kSlotArrays)
    if (name == array.name)
      return uint64_t(array.elementBytes) * uint64_t(array.perSlot);
  return 0;
}

} // namespace

StatusOr<SlotArrays> SlotArrays::allocate(const cuda::CudaDriver &driver,
                                          int64_t slots) {
  SlotArrays arrays;
  arrays.slots_ = slots;
  PackedLayout layout;
  std::map<std::string, uint64_t> offsets;
  for (const engine::SlotArrayInfo &array : engine::kSlotArrays)
    offsets[array.name] = layout.add(uint64_t(array.elementBytes) *
                                     uint64_t(array.perSlot) * uint64_t(slots));
  LLMC_ASSIGN_OR_RETURN(arrays.buffer_,
                        cuda::DeviceBuffer::allocate(driver, layout.bytes()));
  // Every slot starts idle, with no position.
  LLMC_RETURN_IF_ERROR(arrays.buffer_.fill(0));
  std::vector<int32_t> idle(size_t(slots), int32_t(FinishReason::Idle));
  std::vector<int32_t> none(size_t(slots), -1);
  LLMC_RETURN_IF_ERROR(arrays.buffer_.copyFromHost(idle.data(), idle.size() * 4,
                                                   offsets["finished"]));
  LLMC_RETURN_IF_ERROR(arrays.buffer_.copyFromHost(none.data(), none.size() * 4,
                                                   offsets["positions"]));
  for (const auto &[name, offset] : offsets)
    arrays.pointers_[name] = arrays.buffer_.pointer() + offset;
  return arrays;
}

Status SlotArrays::checkSlot(int slot) const {
  if (slot < 0 || slot >= slots_)
    return Status::error("slot " + std::to_string(slot) + " is outside 0.." +
                         std::to_string(slots_ - 1));
  return Status::ok();
}

Status SlotArrays::admit(StepQueue &queue,
                         const serving::SlotInit &init) const {
  LLMC_RETURN_IF_ERROR(checkSlot(init.slot));
  auto put = [&](const char *field, const void *value, std::size_t bytes) {
    return queue.copyStaged(
        value, bytes, pointer(field) + size_t(init.slot) * slotStride(field));
  };
  // A recomputed request's maxNewTokens counts only what is still to come,
  // so every admission starts with nothing generated.
  const int32_t zero = 0, none = -1;
  const int32_t topK = int32_t(init.sampling.topK);
  LLMC_RETURN_IF_ERROR(put("positions", &none, 4));
  LLMC_RETURN_IF_ERROR(put("generated", &zero, 4));
  LLMC_RETURN_IF_ERROR(put("finished", &zero, 4));
  LLMC_RETURN_IF_ERROR(put("max_new_tokens", &init.maxNewTokens, 4));
  LLMC_RETURN_IF_ERROR(
      put("stop_ids", init.stops.stopIds.data(), kMaxStopIds * 4));
  LLMC_RETURN_IF_ERROR(put("eos_ids", &init.stops.eosId, 4));
  LLMC_RETURN_IF_ERROR(put("context_limits", &init.contextLimit, 4));
  LLMC_RETURN_IF_ERROR(put("temperatures", &init.sampling.temperature, 4));
  LLMC_RETURN_IF_ERROR(put("top_ks", &topK, 4));
  LLMC_RETURN_IF_ERROR(put("top_ps", &init.sampling.topP, 4));
  LLMC_RETURN_IF_ERROR(put("top_logprobs", &init.topLogprobs, 4));
  return put("seeds", &init.sampling.seed, 8);
}

Status SlotArrays::release(StepQueue &queue, int slot) const {
  LLMC_RETURN_IF_ERROR(checkSlot(slot));
  LLMC_RETURN_IF_ERROR(queue.setWord(pointer("finished") + 4 * slot,
                                     int32_t(FinishReason::Idle)));
  return queue.setWord(pointer("positions") + 4 * slot, -1);
}

Status SlotArrays::setPosition(StepQueue &queue, int slot,
                               int32_t position) const {
  return queue.setWord(pointer("positions") + 4 * slot, position);
}

} // namespace llmc::gpu
