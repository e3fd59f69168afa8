#include "runtime/gpu/PrefillInputs.h"

#include "runtime/gpu/PackedLayout.h"

#include <algorithm>

namespace llmc::gpu {

namespace {

/// The prefill inputs, in the order they sit in the buffer; `perRow` arrays
/// have one entry per token row, the others one per slot (+ `extra`).
struct PrefillField {
  const char *name;
  bool perRow;
  int64_t extra;
};
constexpr PrefillField kPrefillFields[] = {
    {"tokens", true, 0},        {"positions", true, 0},
    {"token_slots", true, 0},   {"seq_slots", false, 0},
    {"query_starts", false, 1}, {"start_positions", false, 0},
    {"logit_rows", false, 0},
};

} // namespace

StatusOr<PrefillInputs> PrefillInputs::allocate(const cuda::CudaDriver &driver,
                                                int64_t maxRows,
                                                int64_t slots) {
  PrefillInputs inputs;
  inputs.maxRows_ = maxRows;
  inputs.slots_ = slots;
  PackedLayout layout;
  std::map<std::string, uint64_t> offsets;
  for (const PrefillField &field : kPrefillFields) {
    const int64_t count = (field.perRow ? maxRows : slots) + field.extra;
    offsets[field.name] = layout.add(uint64_t(count) * 4);
  }
  LLMC_ASSIGN_OR_RETURN(inputs.buffer_,
                        cuda::DeviceBuffer::allocate(driver, layout.bytes()));
  for (const auto &[name, offset] : offsets)
    inputs.pointers_[name] = inputs.buffer_.pointer() + offset;
  return inputs;
}

StatusOr<LaunchSizes>
PrefillInputs::stage(StepQueue &queue,
                     const std::vector<serving::PrefillChunk> &chunks) const {
  if (chunks.empty() || int64_t(chunks.size()) > slots_)
    return Status::error("a prefill takes 1.." + std::to_string(slots_) +
                         " chunks, not " + std::to_string(chunks.size()));
  // Host image of the inputs, laid out like the buffer.
  std::map<std::string, std::vector<int32_t>> fields;
  int64_t rows = 0, maxChunkRows = 0;
  std::vector<int32_t> &queryStarts = fields["query_starts"];
  std::vector<int32_t> logitRows(size_t(slots_), -1);
  queryStarts.push_back(0);
  for (const serving::PrefillChunk &chunk : chunks) {
    if (chunk.slot < 0 || chunk.slot >= slots_ || chunk.tokens.empty())
      return Status::error("a prefill chunk needs a slot in 0.." +
                           std::to_string(slots_ - 1) + " and tokens");
    for (size_t i = 0; i < chunk.tokens.size(); ++i) {
      fields["tokens"].push_back(chunk.tokens[i]);
      fields["positions"].push_back(int32_t(chunk.startPosition + int64_t(i)));
      fields["token_slots"].push_back(chunk.slot);
    }
    rows += int64_t(chunk.tokens.size());
    maxChunkRows = std::max(maxChunkRows, int64_t(chunk.tokens.size()));
    fields["seq_slots"].push_back(chunk.slot);
    fields["start_positions"].push_back(int32_t(chunk.startPosition));
    queryStarts.push_back(int32_t(rows));
    if (chunk.lastChunk)
      logitRows[size_t(chunk.slot)] = int32_t(rows - 1);
  }
  if (rows > maxRows_)
    return Status::error("a prefill of " + std::to_string(rows) +
                         " tokens exceeds the engine's " +
                         std::to_string(maxRows_) + " per step");
  fields["logit_rows"] = logitRows;
  for (const auto &[name, values] : fields)
    LLMC_RETURN_IF_ERROR(
        queue.copyStaged(values.data(), values.size() * 4, pointer(name)));
  return LaunchSizes{rows, int64_t(chunks.size()), maxChunkRows};
}

} // namespace llmc::gpu
