// The prefill-then-decode loop of one request on the CPU device.
#include "runtime/cpu/CpuGenerator.h"

#include <algorithm>
#include <string>

namespace llmc {

Status checkGenerationRequest(const CpuModel &model,
                              const GenerationRequest &request) {
  const int64_t context = model.config().maxSeqLen;
  const int64_t promptLen = int64_t(request.prompt.size());
  if (promptLen == 0)
    return Status::error("the prompt is empty: at least one token is needed");
  // The last prompt position produces the first generated token, so a prompt
  // may fill the context exactly; the first token is then also the last.
  if (promptLen > context)
    return Status::error("prompt of " + std::to_string(promptLen) +
                         " tokens exceeds the context of " +
                         std::to_string(context) + " tokens");
  if (request.maxTokens <= 0)
    return Status::error("max tokens must be positive, got " +
                         std::to_string(request.maxTokens));
  return request.sampling.validate();
}

int64_t kvCachePositions(const CpuModel &model,
                         const GenerationRequest &request) {
  const int64_t context = model.config().maxSeqLen;
  const int64_t prompt = int64_t(request.prompt.size());
  if (prompt >= context || request.maxTokens >= context - prompt)
    return context;
  // The last generated token is sampled, never run, so it needs no position.
  return std::max<int64_t>(1, prompt + request.maxTokens - 1);
}

StatusOr<GenerationResult>
generate(CpuModel &model, const GenerationRequest &request,
         const std::function<void(int32_t)> &onToken) {
  LLMC_RETURN_IF_ERROR(checkGenerationRequest(model, request));
  const Clock::time_point sent = Clock::now();
  const int64_t context = model.config().maxSeqLen;
  const int64_t vocab = model.config().vocabSize;

  // Sized to the request, not the model: a 128k-context model asked for a
  // few tokens must not allocate its whole context.
  ref::KvCache cache = model.createCache(kvCachePositions(model, request));
  GenerationResult result;
  std::vector<Clock::time_point> tokenTimes;
  std::vector<int32_t> step = request.prompt;
  int64_t position = 0;
  while (true) {
    LLMC_ASSIGN_OR_RETURN(std::vector<float> logits,
                          model.forward(step, position, cache));
    position += int64_t(step.size());
    // The sampling counter is the position of the new token, so the same
    // request draws the same numbers however it is batched or chunked.
    int32_t token =
        ref::sample(logits.data(), vocab, request.sampling, uint64_t(position));
    tokenTimes.push_back(Clock::now());
    result.tokens.push_back(token);
    if (onToken)
      onToken(token);

    if (std::find(request.stopTokenIds.begin(), request.stopTokenIds.end(),
                  token) != request.stopTokenIds.end()) {
      result.finishReason = FinishReason::StopToken;
      break;
    }
    if (int64_t(result.tokens.size()) >= request.maxTokens) {
      result.finishReason = FinishReason::MaxTokens;
      break;
    }
    if (position >= context) {
      result.finishReason = FinishReason::ContextEnd;
      break;
    }
    step.assign(1, token);
  }
  result.metrics = RequestMetrics::fromTimestamps(sent, tokenTimes);
  return result;
}

} // namespace llmc
