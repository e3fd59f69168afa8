// Request validation and the folding of stop tokens into a slot's form.
#include "runtime/serving/Request.h"

#include <algorithm>
#include <limits>
#include <string>

namespace llmc::serving {

static Status checkIds(const char *field, const std::vector<int32_t> &ids) {
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] < 0)
      return Status::error(std::string(field) + "[" + std::to_string(i) +
                           "] is " + std::to_string(ids[i]) +
                           ": token ids must be >= 0");
  return Status::ok();
}

StatusOr<SlotStopIds> checkRequest(const Request &request, int32_t maxSeqLen) {
  const int64_t promptLen = int64_t(request.prompt.size());
  if (promptLen == 0)
    return Status::error("the prompt is empty: at least one token is needed");
  // The first generated token takes position promptLen, which must still be
  // inside the context.
  if (promptLen + 1 > maxSeqLen)
    return Status::error("prompt of " + std::to_string(promptLen) +
                         " tokens leaves no room for a generated token in the "
                         "context of " +
                         std::to_string(maxSeqLen) + " positions");
  LLMC_RETURN_IF_ERROR(checkIds("prompt", request.prompt));
  LLMC_RETURN_IF_ERROR(checkIds("stop_ids", request.stop.stopIds));
  LLMC_RETURN_IF_ERROR(checkIds("eos_ids", request.stop.eosIds));
  if (request.stop.maxNewTokens <= 0)
    return Status::error("max_new_tokens must be positive, got " +
                         std::to_string(request.stop.maxNewTokens));
  LLMC_RETURN_IF_ERROR(request.sampling.validate());
  // The slot stores top_k as an int32.
  if (request.sampling.topK > std::numeric_limits<int32_t>::max())
    return Status::error("sampling parameter top_k must fit in 32 bits, got " +
                         std::to_string(request.sampling.topK));

  if (request.topLogprobs < -1 || request.topLogprobs > kMaxTopLogprobs)
    return Status::error("top_logprobs must be in [0, " +
                         std::to_string(kMaxTopLogprobs) + "], got " +
                         std::to_string(request.topLogprobs));

  SlotStopIds slot;
  std::vector<int32_t> extra;
  auto addExtra = [&](int32_t id) {
    if (id != slot.eosId &&
        std::find(extra.begin(), extra.end(), id) == extra.end())
      extra.push_back(id);
  };
  if (!request.stop.ignoreEos) {
    for (int32_t id : request.stop.eosIds) {
      if (slot.eosId < 0)
        slot.eosId = id;
      else
        addExtra(id);
    }
  }
  for (int32_t id : request.stop.stopIds)
    addExtra(id);
  if (extra.size() > size_t(kMaxStopIds))
    return Status::error(
        std::to_string(extra.size()) +
        " distinct stop ids (stop_ids and eos_ids after the first) exceed the "
        "slot's " +
        std::to_string(kMaxStopIds));
  std::copy(extra.begin(), extra.end(), slot.stopIds.begin());
  return slot;
}

} // namespace llmc::serving
