// The serving scheduler: admission, chunked prefill under a token budget,
// decode rows, incremental block allocation with preemption, and the routing
// of the device's late-arriving tokens back to their requests.
#include "runtime/serving/Scheduler.h"

#include <algorithm>
#include <cassert>
#include <string>

namespace llmc::serving {

int32_t SchedulerParams::maxBlocksPerSeq() const {
  return blockSize > 0 ? (maxSeqLen + blockSize - 1) / blockSize : 0;
}

Status SchedulerParams::validate() const {
  auto fail = [](const std::string &message) {
    return Status::error("scheduler parameter " + message);
  };
  if (maxSlots < 1)
    return fail("max_slots must be >= 1, got " + std::to_string(maxSlots));
  if (maxSeqLen < 2)
    return fail("max_seq_len must be >= 2 (a prompt token and a generated "
                "one), got " +
                std::to_string(maxSeqLen));
  if (blockSize < 1)
    return fail("block_size must be >= 1, got " + std::to_string(blockSize));
  if (maxStepTokens <= maxSlots)
    return fail("max_step_tokens (" + std::to_string(maxStepTokens) +
                ") must exceed max_slots (" + std::to_string(maxSlots) +
                ") so that a prompt chunk fits beside a full set of decode "
                "rows");
  if (numBlocks < maxBlocksPerSeq())
    return fail(
        "num_blocks (" + std::to_string(numBlocks) +
        ") must hold one full context: " + std::to_string(maxBlocksPerSeq()) +
        " blocks of " + std::to_string(blockSize) +
        " positions for max_seq_len " + std::to_string(maxSeqLen));
  return Status::ok();
}

StatusOr<Scheduler> Scheduler::create(const SchedulerParams &params) {
  LLMC_RETURN_IF_ERROR(params.validate());
  LLMC_ASSIGN_OR_RETURN(
      BlockManager blocks,
      BlockManager::create({params.numBlocks, params.blockSize, params.maxSlots,
                            params.maxBlocksPerSeq(), params.prefixCaching}));
  return Scheduler(params, std::move(blocks));
}

Scheduler::Scheduler(const SchedulerParams &params, BlockManager blocks)
    : params_(params), blocks_(std::move(blocks)),
      slotOwner_(size_t(params.maxSlots), -1) {}

Scheduler::Entry &Scheduler::entry(RequestId id) {
  auto it = entries_.find(id);
  assert(it != entries_.end() && "the request is not live");
  return it->second;
}

const Scheduler::Entry *Scheduler::findEntry(RequestId id) const {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

StatusOr<RequestId> Scheduler::submit(Request request) {
  LLMC_ASSIGN_OR_RETURN(SlotStopIds stops,
                        checkRequest(request, params_.maxSeqLen));
  const RequestId id = nextId_++;
  Entry e;
  e.id = id;
  e.request = std::move(request);
  e.stops = stops;
  e.timeline.submitStep = nextStep_;
  entries_.emplace(id, std::move(e));
  queue_.push_back(id);
  return id;
}

Status Scheduler::cancel(RequestId id) {
  if (id < 0 || id >= nextId_)
    return Status::error("cannot cancel request " + std::to_string(id) +
                         ": no request with that id was submitted");
  auto it = entries_.find(id);
  if (it == entries_.end())
    return Status::ok(); // already finished or cancelled
  Entry &e = it->second;
  if (e.slot >= 0)
    releaseSlot(e);
  else
    queue_.erase(std::find(queue_.begin(), queue_.end(), id));
  // Tokens of its in-flight steps find no entry and are dropped.
  entries_.erase(it);
  return Status::ok();
}

RequestPhase Scheduler::phase(RequestId id) const {
  const Entry *e = findEntry(id);
  if (!e)
    return RequestPhase::Done;
  if (e->slot < 0)
    return e->preempted ? RequestPhase::Preempted : RequestPhase::Queued;
  return promptPlanned(*e) ? RequestPhase::Decoding : RequestPhase::Prefilling;
}

StatusOr<RequestTimeline> Scheduler::timeline(RequestId id) const {
  const Entry *e = findEntry(id);
  if (!e)
    return Status::error("request " + std::to_string(id) +
                         " is not live: it finished, was cancelled, or was "
                         "never submitted");
  return e->timeline;
}

bool Scheduler::idle() const {
  return queue_.empty() && running_.empty() && inFlight_.empty();
}

// ---------------------------------------------------------------------------
// Planning
// ---------------------------------------------------------------------------

bool Scheduler::promptPlanned(const Entry &e) const {
  return e.slot >= 0 && e.prefilled == int32_t(e.sequence.size());
}

bool Scheduler::willDecode(const Entry &e) const {
  if (!promptPlanned(e))
    return false;
  // If every planned step runs, the device has produced plannedTokens tokens,
  // the last at position sequence + plannedTokens - 1. Once that hits a limit
  // the slot has certainly finished on the device, whatever it sampled.
  const int32_t lastPosition = int32_t(e.sequence.size()) + e.plannedTokens - 1;
  return e.plannedTokens < e.maxNewTokens && lastPosition < params_.maxSeqLen;
}

int32_t Scheduler::pendingPromptBlocks() const {
  int32_t pending = 0;
  for (RequestId id : running_) {
    const Entry &e = entries_.at(id);
    if (!promptPlanned(e))
      pending += blocks_.blocksFor(int32_t(e.sequence.size())) -
                 int32_t(blocks_.blocksOf(e.slot).size());
  }
  return pending;
}

int64_t Scheduler::oldestUnreportedStep() const {
  return inFlight_.empty() ? nextStep_ : inFlight_.front().step;
}

int32_t Scheduler::freeSlot() const {
  auto it = std::find(slotOwner_.begin(), slotOwner_.end(), RequestId(-1));
  return it == slotOwner_.end() ? -1 : int32_t(it - slotOwner_.begin());
}

StepPlan Scheduler::planStep() {
  PlanContext ctx;
  ctx.plan.step = nextStep_;
  ctx.record.step = nextStep_;
  ctx.record.samplerOfSlot.assign(size_t(params_.maxSlots), -1);
  // Decode rows are never cut by the budget: a running stream must not stall
  // behind a long prompt. validate() guarantees one prompt token is left.
  const int32_t decodeRows = int32_t(
      std::count_if(running_.begin(), running_.end(),
                    [&](RequestId id) { return willDecode(entries_.at(id)); }));
  ctx.prefillBudget = params_.maxStepTokens - decodeRows;
  const bool batchFinished = running_.empty();

  // Oldest first: a request that needs blocks may preempt only newer ones,
  // which have not been planned yet (they are removed from the back).
  for (size_t i = 0; i < running_.size(); ++i)
    planRunning(entry(running_[i]), ctx);

  const bool admitting =
      params_.mode == BatchingMode::Continuous || batchFinished;
  if (admitting && !ctx.preempted)
    planAdmissions(ctx);

  if (ctx.plan.empty()) {
    // Nothing to run. Slot releases and table changes stay pending for the
    // next plan that runs something.
    assert(ctx.plan.admissions.empty() && "an admission always runs a chunk");
    StepPlan none;
    none.step = nextStep_;
    return none;
  }
  // Index the blocks this plan's chunks fill: every later step runs after
  // this one, so its readers find the KV written.
  for (const PrefillChunk &chunk : ctx.plan.prefills) {
    const Entry &e = entry(chunk.request);
    blocks_.cacheFullBlocks(e.slot, e.sequence, e.prefilled);
  }
  ctx.plan.releasedSlots = std::move(releasedSlots_);
  releasedSlots_.clear();
  ctx.plan.blockTableChanges = blocks_.takeTableChanges();
  inFlight_.push_back(std::move(ctx.record));
  ++nextStep_;
  return std::move(ctx.plan);
}

void Scheduler::planRunning(Entry &e, PlanContext &ctx) {
  if (promptPlanned(e)) {
    if (!willDecode(e))
      return; // finished on the device; its last event is on the way
    const int32_t position = int32_t(e.sequence.size()) + e.plannedTokens - 1;
    if (!makeRoom(e, blocks_.blocksFor(position + 1), ctx))
      return; // it was the newest and gave up its own slot
    [[maybe_unused]] Status grown = blocks_.growTo(e.slot, position + 1);
    assert(grown.isOk() && "makeRoom freed the blocks");
    ctx.plan.decodes.push_back({e.slot, e.id, position});
    ++e.plannedTokens;
    e.lastPlannedStep = ctx.plan.step;
    ctx.record.samplerOfSlot[size_t(e.slot)] = e.id;
    return;
  }

  int32_t length =
      std::min(int32_t(e.sequence.size()) - e.prefilled, ctx.prefillBudget);
  if (length == 0)
    return; // the budget is spent; the prompt continues next step
  // A chunk first shrinks to the blocks at hand, so that newer requests keep
  // their cache; only a chunk that cannot take one position preempts.
  auto room = [&] {
    return (int32_t(blocks_.blocksOf(e.slot).size()) +
            blocks_.numFreeBlocks()) *
               params_.blockSize -
           e.prefilled;
  };
  if (room() <= 0 && !makeRoom(e, blocks_.blocksFor(e.prefilled + 1), ctx))
    return;
  length = std::min(length, room());
  planChunk(e, length, ctx);
  ctx.prefillBudget -= length;
}

bool Scheduler::makeRoom(Entry &e, int32_t blocksNeeded, PlanContext &ctx) {
  while (!blocks_.canAllocate(blocksNeeded -
                              int32_t(blocks_.blocksOf(e.slot).size()))) {
    Entry &victim = entry(running_.back());
    if (victim.id == e.id) {
      preempt(e, ctx);
      return false;
    }
    // The victim is newer than `e`, so not planned yet: its decode row, if
    // it had one, goes back to the prompt budget.
    if (willDecode(victim))
      ++ctx.prefillBudget;
    preempt(victim, ctx);
  }
  return true;
}

void Scheduler::planChunk(Entry &e, int32_t length, PlanContext &ctx) {
  const int32_t start = e.prefilled;
  [[maybe_unused]] Status grown = blocks_.growTo(e.slot, start + length);
  assert(grown.isOk() && "the caller checked the free blocks");
  PrefillChunk chunk;
  chunk.slot = e.slot;
  chunk.request = e.id;
  chunk.startPosition = start;
  chunk.tokens.assign(e.sequence.begin() + start,
                      e.sequence.begin() + start + length);
  chunk.lastChunk = start + length == int32_t(e.sequence.size());
  e.prefilled += length;
  e.lastPlannedStep = ctx.plan.step;
  if (chunk.lastChunk) {
    e.plannedTokens = 1; // the step samples the first token after the prompt
    ctx.record.samplerOfSlot[size_t(e.slot)] = e.id;
  }
  ctx.plan.prefills.push_back(std::move(chunk));
}

void Scheduler::planAdmissions(PlanContext &ctx) {
  // A static batch is admitted whole, even members whose first chunk waits
  // for a later step; a continuous admission must make progress now.
  const bool wholeBatch = params_.mode == BatchingMode::Static;
  while (!queue_.empty() && (wholeBatch || ctx.prefillBudget > 0)) {
    const int32_t slot = freeSlot();
    if (slot < 0)
      return;
    Entry &e = entry(queue_.front());
    // A preempted request may still have tokens in flight from its previous
    // admission; recomputing before they arrive would lose them.
    if (e.lastPlannedStep >= oldestUnreportedStep())
      return;
    // First come, first served: when the head does not fit, nobody passes it.
    // Cached blocks it shares need no new block, unless they are parked
    // (free) ones it takes out of the pool.
    const int32_t length = int32_t(e.request.prompt.size() + e.emitted.size());
    std::vector<int32_t> cached = cachedPrefix(e);
    int32_t needed = blocks_.blocksFor(length) - int32_t(cached.size());
    for (int32_t block : cached)
      needed += blocks_.refCount(block) == 0 ? 1 : 0;
    if (!blocks_.canAllocate(needed + pendingPromptBlocks()))
      return;
    admit(e, slot, cached, ctx);
    const int32_t chunk = std::min(length - e.prefilled, ctx.prefillBudget);
    if (chunk > 0) {
      planChunk(e, chunk, ctx);
      ctx.prefillBudget -= chunk;
    }
  }
}

std::vector<int32_t> Scheduler::cachedPrefix(const Entry &e) const {
  std::vector<int32_t> sequence = e.request.prompt;
  sequence.insert(sequence.end(), e.emitted.begin(), e.emitted.end());
  // The last position is always computed: its step samples.
  const int32_t maxBlocks = (int32_t(sequence.size()) - 1) / params_.blockSize;
  return blocks_.lookupPrefix(sequence, maxBlocks);
}

void Scheduler::admit(Entry &e, int32_t slot,
                      const std::vector<int32_t> &cached, PlanContext &ctx) {
  assert(queue_.front() == e.id && "admission is first come, first served");
  queue_.pop_front();
  e.slot = slot;
  slotOwner_[size_t(slot)] = e.id;
  running_.push_back(e.id);
  e.preempted = false;
  // A recomputed request prefills the tokens it already streamed too.
  e.sequence = e.request.prompt;
  e.sequence.insert(e.sequence.end(), e.emitted.begin(), e.emitted.end());
  e.prefilled = 0;
  for (int32_t block : cached) {
    [[maybe_unused]] Status shared = blocks_.appendCached(slot, block);
    assert(shared.isOk() && "a looked-up block is cached");
    e.prefilled += params_.blockSize;
  }
  if (params_.prefixCaching) {
    prefixQueried_ += int64_t(e.sequence.size());
    prefixHits_ += e.prefilled;
  }
  e.plannedTokens = 0;
  e.maxNewTokens = e.request.stop.maxNewTokens - int32_t(e.emitted.size());
  if (e.timeline.admitStep < 0)
    e.timeline.admitStep = ctx.plan.step;

  SlotInit init;
  init.slot = slot;
  init.request = e.id;
  init.promptLength = int32_t(e.sequence.size());
  init.maxNewTokens = e.maxNewTokens;
  init.contextLimit = params_.maxSeqLen;
  init.cachedPrefix = e.prefilled;
  init.stops = e.stops;
  init.sampling = e.request.sampling;
  init.topLogprobs = e.request.topLogprobs;
  ctx.plan.admissions.push_back(init);
}

void Scheduler::preempt(Entry &e, PlanContext &ctx) {
  releaseSlot(e);
  e.preempted = true;
  ++e.timeline.preemptions;
  // At the front: it was admitted before everything still queued. Victims
  // go newest first, so the older of several ends up ahead.
  queue_.push_front(e.id);
  ctx.preempted = true;
}

void Scheduler::releaseSlot(Entry &e) {
  [[maybe_unused]] Status freed = blocks_.freeSlot(e.slot);
  assert(freed.isOk() && "a slot's blocks are held by it");
  slotOwner_[size_t(e.slot)] = -1;
  releasedSlots_.push_back(e.slot);
  running_.erase(std::find(running_.begin(), running_.end(), e.id));
  e.slot = -1;
  e.sequence.clear();
  e.prefilled = 0;
  e.plannedTokens = 0;
}

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

Status Scheduler::checkEvents(const StepRecord &record,
                              const std::vector<SlotEvent> &events) const {
  std::vector<bool> seen(size_t(params_.maxSlots), false);
  for (size_t i = 0; i < events.size(); ++i) {
    const SlotEvent &event = events[i];
    const std::string where = "event " + std::to_string(i) + " (slot " +
                              std::to_string(event.slot) + ")";
    if (event.slot < 0 || event.slot >= params_.maxSlots)
      return Status::error(where + ": the slot is outside [0, " +
                           std::to_string(params_.maxSlots) + ")");
    if (seen[size_t(event.slot)])
      return Status::error(where + ": the slot is reported twice");
    seen[size_t(event.slot)] = true;
    const RequestId id = record.samplerOfSlot[size_t(event.slot)];
    if (id < 0)
      return Status::error(where + ": the slot did not sample in this step");
    if (event.token < 0)
      return Status::error(where + ": token " + std::to_string(event.token) +
                           " is negative");
    const int code = int(event.finishReason);
    if (code < int(FinishReason::Running) ||
        code > int(FinishReason::ContextEnd))
      return Status::error(where + ": finish code " + std::to_string(code) +
                           " is not one of 0 (running), 1 (stop token), 2 "
                           "(max tokens), 3 (context end)");
    const Entry *e = findEntry(id);
    if (!e || event.finishReason != FinishReason::Running)
      continue;
    // A request the device keeps running past a limit would never finish:
    // the scheduler stops planning it there.
    const int32_t generated = int32_t(e->emitted.size()) + 1;
    const int32_t position =
        int32_t(e->request.prompt.size() + e->emitted.size());
    if (generated >= e->request.stop.maxNewTokens ||
        position >= params_.maxSeqLen)
      return Status::error(
          where + ": request " + std::to_string(id) +
          " is reported running after token " + std::to_string(generated) +
          " of max_new_tokens " + std::to_string(e->request.stop.maxNewTokens) +
          " at position " + std::to_string(position) + " of a context of " +
          std::to_string(params_.maxSeqLen) + ": a stop rule was missed");
  }
  return Status::ok();
}

StatusOr<std::vector<RequestOutput>>
Scheduler::onStepResult(int64_t step, const std::vector<SlotEvent> &events) {
  if (inFlight_.empty())
    return Status::error("result of step " + std::to_string(step) +
                         " reported, but no step awaits its result");
  if (inFlight_.front().step != step)
    return Status::error("result of step " + std::to_string(step) +
                         " reported out of order: step " +
                         std::to_string(inFlight_.front().step) +
                         " is the oldest awaiting its result");
  LLMC_RETURN_IF_ERROR(checkEvents(inFlight_.front(), events)
                           .withContext("step " + std::to_string(step)));
  const StepRecord record = std::move(inFlight_.front());
  inFlight_.pop_front();

  std::vector<RequestOutput> outputs;
  outputs.reserve(events.size());
  for (const SlotEvent &event : events) {
    const RequestId id = record.samplerOfSlot[size_t(event.slot)];
    auto it = entries_.find(id);
    if (it == entries_.end())
      continue; // cancelled after the step was planned
    // The token is the request's next one even if it was preempted since:
    // its recomputation has not started (planAdmissions waits for this
    // step), so it continues after this token.
    Entry &e = it->second;
    e.emitted.push_back(event.token);
    if (e.timeline.firstTokenStep < 0)
      e.timeline.firstTokenStep = step;
    RequestOutput output;
    output.request = id;
    output.token = event.token;
    output.logprob = event.logprob;
    output.topLogprobs = event.topLogprobs;
    if (event.finishReason != FinishReason::Running) {
      output.finish = event.finishReason;
      e.timeline.finishStep = step;
      if (e.slot >= 0) {
        // Every token but the last was fed back, so its KV is written:
        // a follow-up turn can reuse the blocks of the whole exchange.
        std::vector<int32_t> written = e.request.prompt;
        written.insert(written.end(), e.emitted.begin(), e.emitted.end());
        written.pop_back();
        blocks_.cacheFullBlocks(e.slot, written, int32_t(written.size()));
        releaseSlot(e);
      } else
        queue_.erase(std::find(queue_.begin(), queue_.end(), id));
    }
    output.timeline = e.timeline;
    if (output.finish)
      entries_.erase(it);
    outputs.push_back(std::move(output));
  }
  return outputs;
}

} // namespace llmc::serving
