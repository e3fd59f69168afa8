// The CPU executor: StepPlans run on CpuModel over a paged KV pool.
#include "runtime/cpu/CpuExecutor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace llmc {

using serving::SlotEvent;

Status CpuExecutorParams::validate() const {
  auto fail = [](const std::string &message) {
    return Status::error("CPU executor parameter " + message);
  };
  if (maxSlots < 1)
    return fail("max_slots must be >= 1, got " + std::to_string(maxSlots));
  if (blockSize < 1)
    return fail("block_size must be >= 1, got " + std::to_string(blockSize));
  if (numBlocks < 0 || maxStepTokens < 0)
    return fail("num_blocks and max_step_tokens must be >= 0 (0: default)");
  return Status::ok();
}

StatusOr<std::unique_ptr<CpuExecutor>>
CpuExecutor::create(CpuModel model, const CpuExecutorParams &params) {
  LLMC_RETURN_IF_ERROR(params.validate());
  ExecutorLimits limits;
  limits.maxSlots = params.maxSlots;
  limits.maxSeqLen = int32_t(model.config().maxSeqLen);
  limits.blockSize = params.blockSize;
  const int32_t perContext =
      (limits.maxSeqLen + params.blockSize - 1) / params.blockSize;
  limits.numBlocks = params.numBlocks > 0 ? params.numBlocks
                                          : 2 * perContext * params.maxSlots;
  limits.maxStepTokens =
      params.maxStepTokens > 0 ? params.maxStepTokens : params.maxSlots + 128;
  return std::unique_ptr<CpuExecutor>(
      new CpuExecutor(std::move(model), limits));
}

CpuExecutor::CpuExecutor(CpuModel model, const ExecutorLimits &limits)
    : model_(std::move(model)), limits_(limits),
      maxBlocksPerSeq_((limits.maxSeqLen + limits.blockSize - 1) /
                       limits.blockSize),
      slots_(size_t(limits.maxSlots)),
      table_(size_t(limits.maxSlots) * size_t(maxBlocksPerSeq_), -1) {
  const ModelConfig &c = model_.config();
  const size_t poolFloats = size_t(limits.numBlocks) * size_t(c.numLayers) *
                            size_t(limits.blockSize) * size_t(c.kvDim());
  keys_.assign(poolFloats, 0.0f);
  values_.assign(poolFloats, 0.0f);
}

float *CpuExecutor::poolRow(std::vector<float> &pool, int32_t block,
                            int64_t layer, int32_t offset) {
  const ModelConfig &c = model_.config();
  const size_t row = (size_t(block) * size_t(c.numLayers) + size_t(layer)) *
                         size_t(limits_.blockSize) +
                     size_t(offset);
  return pool.data() + row * size_t(c.kvDim());
}

int32_t CpuExecutor::blockOf(int32_t s, int32_t position) const {
  const int32_t index = position / limits_.blockSize;
  if (position < 0 || index >= maxBlocksPerSeq_)
    return -1;
  return table_[size_t(s) * size_t(maxBlocksPerSeq_) + size_t(index)];
}

Status CpuExecutor::materialize(Slot &slot, int32_t s, int32_t upTo) {
  const ModelConfig &c = model_.config();
  for (int32_t p = slot.materialized; p < upTo; ++p) {
    const int32_t block = blockOf(s, p);
    if (block < 0)
      return Status::error("slot " + std::to_string(s) + " position " +
                           std::to_string(p) + " has no KV block");
    for (int64_t l = 0; l < c.numLayers; ++l)
      slot.cache->write(l, p, poolRow(keys_, block, l, p % limits_.blockSize),
                        poolRow(values_, block, l, p % limits_.blockSize));
  }
  slot.materialized = std::max(slot.materialized, upTo);
  return Status::ok();
}

/// The log-probability of `token` and of the `top` most likely tokens
/// (ref::tokenLogprobs, which the GPU's Logprobs kernel matches).
static void fillLogprobs(const float *logits, size_t vocab, int32_t token,
                         int32_t top, float &logprob,
                         std::vector<serving::TokenLogprob> &topLogprobs) {
  ref::TokenLogprobs scored =
      ref::tokenLogprobs(logits, int64_t(vocab), token, top);
  logprob = scored.logprob;
  for (const auto &[id, value] : scored.top)
    topLogprobs.push_back({id, value});
}

StatusOr<std::vector<ScoredToken>>
CpuExecutor::scorePrompt(const std::vector<int32_t> &tokens, int32_t top) {
  ref::KvCache cache = model_.createCache();
  LLMC_ASSIGN_OR_RETURN(std::vector<float> logits,
                        model_.forward(tokens, 0, cache, LogitsFor::AllTokens));
  const size_t vocab = size_t(model_.config().vocabSize);
  std::vector<ScoredToken> scored(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    scored[i].token = tokens[i];
    // Row i - 1 predicts token i.
    if (i > 0)
      fillLogprobs(logits.data() + (i - 1) * vocab, vocab, tokens[i], top,
                   scored[i].logprob, scored[i].topLogprobs);
  }
  return scored;
}

void CpuExecutor::sampleNext(int32_t s, const float *logits, size_t vocab,
                             std::vector<SlotEvent> &events) {
  Slot &slot = slots_[size_t(s)];
  // slotAppendToken of SlotState.cuh; the counter is the new token's
  // position, as in CpuGenerator.
  const int32_t position = slot.position + 1;
  const int32_t token = ref::sample(logits, int64_t(vocab), slot.init.sampling,
                                    uint64_t(position));
  slot.token = token;
  slot.generated += 1;
  bool stop = slot.init.stops.eosId >= 0 && token == slot.init.stops.eosId;
  for (int32_t id : slot.init.stops.stopIds)
    stop = stop || (id >= 0 && token == id);
  engine::FinishReason reason = engine::FinishReason::Running;
  if (stop)
    reason = engine::FinishReason::StopToken;
  else if (slot.generated >= slot.init.maxNewTokens)
    reason = engine::FinishReason::MaxTokens;
  else if (position >= slot.init.contextLimit)
    reason = engine::FinishReason::ContextEnd;
  slot.finished = reason;
  slot.position = reason == engine::FinishReason::Running ? position : -1;

  SlotEvent event;
  event.slot = s;
  event.token = token;
  event.finishReason = reason;
  if (slot.init.topLogprobs >= 0)
    fillLogprobs(logits, vocab, token, slot.init.topLogprobs, event.logprob,
                 event.topLogprobs);
  events.push_back(std::move(event));
}

Status CpuExecutor::runStep(const serving::StepPlan &plan,
                            std::vector<SlotEvent> &events) {
  /// One sequence's rows in this step.
  struct Work {
    int32_t slot = 0;
    std::vector<int32_t> tokens;
    int32_t start = 0;
    bool chunk = false;
    bool samples = false;
  };
  std::vector<Work> work;
  for (const serving::DecodeRow &row : plan.decodes) {
    Slot &slot = slots_[size_t(row.slot)];
    // A slot that finished in a step the host has not read yet is masked.
    if (slot.finished != engine::FinishReason::Running || slot.position < 0)
      continue;
    if (slot.init.request != row.request || slot.position != row.position)
      return Status::error("decode row of request " +
                           std::to_string(row.request) + " at position " +
                           std::to_string(row.position) +
                           " does not match slot " + std::to_string(row.slot) +
                           " (position " + std::to_string(slot.position) + ")");
    work.push_back({row.slot, {slot.token}, slot.position, false, true});
  }
  for (const serving::PrefillChunk &chunk : plan.prefills) {
    const Slot &slot = slots_[size_t(chunk.slot)];
    if (slot.finished != engine::FinishReason::Running ||
        slot.init.request != chunk.request ||
        chunk.startPosition != slot.prefilled)
      return Status::error(
          "prefill chunk of request " + std::to_string(chunk.request) +
          " at position " + std::to_string(chunk.startPosition) +
          " does not continue slot " + std::to_string(chunk.slot));
    work.push_back(
        {chunk.slot, chunk.tokens, chunk.startPosition, true, chunk.lastChunk});
  }
  if (work.empty())
    return Status::ok();

  // Positions before a sequence's rows come from the pool when the working
  // cache does not hold them: a shared prefix or a recomputed request.
  std::vector<CpuModel::SequenceRows> sequences;
  for (const Work &w : work) {
    Slot &slot = slots_[size_t(w.slot)];
    if (!slot.cache)
      slot.cache = std::make_unique<ref::KvCache>(model_.createCache());
    slot.materialized = std::min(slot.materialized, w.start);
    LLMC_RETURN_IF_ERROR(materialize(slot, w.slot, w.start));
    sequences.push_back({&w.tokens, w.start, slot.cache.get()});
  }
  // Every row of the step in one pass: each weight is read once.
  LLMC_ASSIGN_OR_RETURN(std::vector<float> logits,
                        model_.forwardBatch(sequences));

  const ModelConfig &c = model_.config();
  const size_t rowBytes = size_t(c.kvDim()) * sizeof(float);
  const size_t vocab = size_t(c.vocabSize);
  for (size_t i = 0; i < work.size(); ++i) {
    const Work &w = work[i];
    Slot &slot = slots_[size_t(w.slot)];
    for (int32_t p = w.start; p < w.start + int32_t(w.tokens.size()); ++p) {
      const int32_t block = blockOf(w.slot, p);
      if (block < 0)
        return Status::error("slot " + std::to_string(w.slot) + " position " +
                             std::to_string(p) + " has no KV block");
      for (int64_t l = 0; l < c.numLayers; ++l) {
        std::memcpy(poolRow(keys_, block, l, p % limits_.blockSize),
                    slot.cache->k(l, p), rowBytes);
        std::memcpy(poolRow(values_, block, l, p % limits_.blockSize),
                    slot.cache->v(l, p), rowBytes);
      }
    }
    slot.materialized = w.start + int32_t(w.tokens.size());
    if (w.chunk) {
      slot.prefilled += int32_t(w.tokens.size());
      if (w.samples)
        slot.position = slot.prefilled - 1;
    }
    if (w.samples)
      sampleNext(w.slot, logits.data() + i * vocab, vocab, events);
  }
  return Status::ok();
}

Status CpuExecutor::launch(const serving::StepPlan &plan) {
  for (int32_t s : plan.releasedSlots) {
    slots_[size_t(s)].finished = engine::FinishReason::Idle;
    slots_[size_t(s)].position = -1;
  }
  for (const serving::SlotInit &init : plan.admissions) {
    Slot &slot = slots_[size_t(init.slot)];
    slot.init = init;
    slot.finished = engine::FinishReason::Running;
    slot.token = -1;
    slot.position = -1;
    slot.generated = 0;
    slot.prefilled = init.cachedPrefix;
    slot.materialized = 0;
  }
  for (const serving::BlockTableChange &change : plan.blockTableChanges) {
    table_[size_t(change.slot) * size_t(maxBlocksPerSeq_) +
           size_t(change.index)] = change.block;
    // The working cache no longer mirrors the positions of that entry.
    Slot &slot = slots_[size_t(change.slot)];
    slot.materialized =
        std::min(slot.materialized, change.index * limits_.blockSize);
  }

  // Decode rows first, then the prompt chunks, as on the GPU; the events
  // go back in slot order.
  StepResult result;
  result.decodeOnly = plan.prefills.empty();
  const Clock::time_point start = Clock::now();
  LLMC_RETURN_IF_ERROR(runStep(plan, result.events));
  std::sort(
      result.events.begin(), result.events.end(),
      [](const SlotEvent &a, const SlotEvent &b) { return a.slot < b.slot; });
  result.busyMs =
      std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  done_.push_back(std::move(result));
  return Status::ok();
}

StatusOr<StepResult> CpuExecutor::collect() {
  if (done_.empty())
    return Status::error("no step was launched on the CPU executor");
  StepResult result = std::move(done_.front());
  done_.pop_front();
  return result;
}

StatusOr<std::unique_ptr<Engine>>
createCpuEngine(CpuModel model, const CpuExecutorParams &params,
                const SchedulingOptions &scheduling) {
  LLMC_ASSIGN_OR_RETURN(std::unique_ptr<CpuExecutor> executor,
                        CpuExecutor::create(std::move(model), params));
  return Engine::create(std::move(executor), scheduling);
}

} // namespace llmc
