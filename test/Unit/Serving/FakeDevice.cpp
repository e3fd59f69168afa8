// The simulated executor, its model, and the engine loop of the scheduler
// tests.
#include "FakeDevice.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

namespace llmc::serving::testing {

static uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int32_t fakeNextToken(uint64_t seed, const std::vector<int32_t> &sequence,
                      int32_t vocab) {
  uint64_t h = mix(seed + 0x9e3779b97f4a7c15ULL);
  for (int32_t token : sequence)
    h = mix(h ^ uint64_t(uint32_t(token) + 1));
  return int32_t(h % uint64_t(vocab));
}

Transcript runAlone(const Request &request, int32_t maxSeqLen, int32_t vocab) {
  const StopCriteria &stop = request.stop;
  auto isStop = [&](int32_t token) {
    auto has = [&](const std::vector<int32_t> &ids) {
      return std::find(ids.begin(), ids.end(), token) != ids.end();
    };
    return has(stop.stopIds) || (!stop.ignoreEos && has(stop.eosIds));
  };
  Transcript t;
  std::vector<int32_t> sequence = request.prompt;
  while (!t.finish) {
    const int32_t token = fakeNextToken(request.sampling.seed, sequence, vocab);
    const int32_t position = int32_t(sequence.size());
    sequence.push_back(token);
    t.tokens.push_back(token);
    if (isStop(token))
      t.finish = FinishReason::StopToken;
    else if (int32_t(t.tokens.size()) >= stop.maxNewTokens)
      t.finish = FinishReason::MaxTokens;
    else if (position >= maxSeqLen)
      t.finish = FinishReason::ContextEnd;
  }
  return t;
}

Request makeRequest(int32_t promptLength, int32_t maxNewTokens, uint64_t seed,
                    int32_t vocab) {
  Request r;
  for (int32_t i = 0; i < promptLength; ++i)
    r.prompt.push_back(
        int32_t(mix(seed * 1000003ULL + uint64_t(i)) % uint64_t(vocab)));
  r.sampling.seed = seed;
  r.stop.maxNewTokens = maxNewTokens;
  return r;
}

// ---------------------------------------------------------------------------
// FakeDevice
// ---------------------------------------------------------------------------

FakeDevice::FakeDevice(const SchedulerParams &params, int32_t vocab)
    : params_(params), vocab_(vocab), slots_(size_t(params.maxSlots)),
      table_(size_t(params.maxSlots) * size_t(params.maxBlocksPerSeq()), -1),
      kv_(size_t(params.numBlocks) * size_t(params.blockSize), -1) {}

bool FakeDevice::active(const Slot &slot) const {
  return slot.finished == FinishReason::Running && slot.position >= 0;
}

bool FakeDevice::hasBlock(int32_t slot, int32_t position) const {
  const int32_t index = position / params_.blockSize;
  return position >= 0 && index < params_.maxBlocksPerSeq() &&
         table_[size_t(slot) * size_t(params_.maxBlocksPerSeq()) +
                size_t(index)] >= 0;
}

int32_t &FakeDevice::kvAt(int32_t slot, int32_t position) {
  static int32_t nowhere = -1;
  const int32_t index = position / params_.blockSize;
  if (position < 0 || index >= params_.maxBlocksPerSeq()) {
    ADD_FAILURE() << "slot " << slot << " position " << position
                  << " is outside the block table";
    return nowhere;
  }
  const int32_t block =
      table_[size_t(slot) * size_t(params_.maxBlocksPerSeq()) + size_t(index)];
  if (block < 0) {
    ADD_FAILURE() << "slot " << slot << " position " << position
                  << " has no block";
    return nowhere;
  }
  return kv_[size_t(block) * size_t(params_.blockSize) +
             size_t(position % params_.blockSize)];
}

FinishReason FakeDevice::sample(int32_t s) {
  Slot &slot = slots_[size_t(s)];
  std::vector<int32_t> sequence;
  for (int32_t p = 0; p <= slot.position; ++p)
    sequence.push_back(kvAt(s, p));
  const int32_t token =
      fakeNextToken(slot.init.sampling.seed, sequence, vocab_);

  // slotAppendToken of compiler/kernels/SlotState.cuh.
  const int32_t position = slot.position + 1;
  slot.token = token;
  slot.generated += 1;
  bool stop = slot.init.stops.eosId >= 0 && token == slot.init.stops.eosId;
  for (int32_t id : slot.init.stops.stopIds)
    stop = stop || (id >= 0 && token == id);
  FinishReason reason = FinishReason::Running;
  if (stop)
    reason = FinishReason::StopToken;
  else if (slot.generated >= slot.init.maxNewTokens)
    reason = FinishReason::MaxTokens;
  else if (position >= slot.init.contextLimit)
    reason = FinishReason::ContextEnd;
  slot.finished = reason;
  slot.position = reason == FinishReason::Running ? position : -1;
  return reason;
}

std::vector<SlotEvent> FakeDevice::run(const StepPlan &plan) {
  for (int32_t s : plan.releasedSlots) {
    slots_[size_t(s)].finished = FinishReason::Idle;
    slots_[size_t(s)].position = -1;
  }
  for (const SlotInit &init : plan.admissions) {
    Slot &slot = slots_[size_t(init.slot)];
    EXPECT_EQ(slot.finished, FinishReason::Idle)
        << "slot " << init.slot << " admitted before it was released";
    slot = Slot();
    slot.finished = FinishReason::Running;
    slot.init = init;
    slot.prefilled = init.cachedPrefix;
  }
  for (const BlockTableChange &change : plan.blockTableChanges)
    table_[size_t(change.slot) * size_t(params_.maxBlocksPerSeq()) +
           size_t(change.index)] = change.block;

  std::vector<bool> samples(slots_.size(), false);
  for (const PrefillChunk &chunk : plan.prefills) {
    Slot &slot = slots_[size_t(chunk.slot)];
    EXPECT_EQ(slot.init.request, chunk.request) << "chunk in a foreign slot";
    EXPECT_EQ(chunk.startPosition, slot.prefilled)
        << "request " << chunk.request << ": chunks must be contiguous";
    for (size_t i = 0; i < chunk.tokens.size(); ++i)
      kvAt(chunk.slot, chunk.startPosition + int32_t(i)) = chunk.tokens[i];
    slot.prefilled += int32_t(chunk.tokens.size());
    EXPECT_EQ(chunk.lastChunk, slot.prefilled == slot.init.promptLength);
    if (chunk.lastChunk) {
      slot.position = slot.init.promptLength - 1;
      samples[size_t(chunk.slot)] = true;
    }
  }
  for (const DecodeRow &row : plan.decodes) {
    // Every planned row has its block, masked or not: a row past the context
    // or without a block means the scheduler lost track of the slot.
    EXPECT_LT(row.position, params_.maxSeqLen) << "request " << row.request;
    EXPECT_TRUE(hasBlock(row.slot, row.position)) << "request " << row.request;
    Slot &slot = slots_[size_t(row.slot)];
    if (!active(slot))
      continue; // finished in a step the host has not read yet: masked
    EXPECT_EQ(slot.init.request, row.request) << "decode in a foreign slot";
    EXPECT_EQ(slot.position, row.position) << "request " << row.request;
    kvAt(row.slot, slot.position) = slot.token;
    samples[size_t(row.slot)] = true;
  }
  std::vector<SlotEvent> events;
  for (int32_t s = 0; s < int32_t(slots_.size()); ++s) {
    if (!samples[size_t(s)]) {
      // The executor runs only the listed rows: a running slot left out
      // would never advance.
      EXPECT_FALSE(active(slots_[size_t(s)]))
          << "step " << plan.step << " leaves running slot " << s << " out";
      continue;
    }
    const FinishReason reason = sample(s);
    events.push_back({s, slots_[size_t(s)].token, reason});
  }
  return events;
}

// ---------------------------------------------------------------------------
// EngineLoop
// ---------------------------------------------------------------------------

static Scheduler createScheduler(const SchedulerParams &params) {
  StatusOr<Scheduler> scheduler = Scheduler::create(params);
  if (!scheduler.isOk()) {
    ADD_FAILURE() << scheduler.status().message();
    std::abort(); // the fixture cannot go on without one
  }
  return std::move(scheduler).value();
}

EngineLoop::EngineLoop(const SchedulerParams &params, int lag, int32_t vocab)
    : scheduler_(createScheduler(params)), device_(params, vocab), lag_(lag),
      vocab_(vocab) {}

RequestId EngineLoop::submit(const Request &request) {
  StatusOr<RequestId> id = scheduler_.submit(request);
  EXPECT_TRUE(id.isOk()) << id.status().message();
  return id.isOk() ? *id : -1;
}

void EngineLoop::deliverOldest() {
  auto [step, events] = std::move(pending_.front());
  pending_.pop_front();
  StatusOr<std::vector<RequestOutput>> outputs =
      scheduler_.onStepResult(step, events);
  ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
  for (const RequestOutput &output : *outputs) {
    Transcript &t = transcripts[output.request];
    if (t.finish)
      ++t.outputsAfterFinish;
    t.tokens.push_back(output.token);
    t.finish = output.finish;
    t.timeline = output.timeline;
  }
}

StepPlan EngineLoop::iterate() {
  StepPlan plan = scheduler_.planStep();
  EXPECT_LE(plan.numTokens(), scheduler_.params().maxStepTokens);
  if (!plan.empty()) {
    pending_.emplace_back(plan.step, device_.run(plan));
    plans.push_back(plan);
  }
  // With nothing new to launch the engine waits for the oldest step.
  while (int(pending_.size()) > lag_ || (plan.empty() && !pending_.empty()))
    deliverOldest();
  checkBlocks();
  return plan;
}

void EngineLoop::runUntilIdle(int maxIterations) {
  for (int i = 0; i < maxIterations; ++i) {
    if (scheduler_.idle() && pending_.empty())
      return;
    iterate();
    if (::testing::Test::HasFatalFailure())
      return;
  }
  ADD_FAILURE() << "the scheduler is not idle after " << maxIterations
                << " iterations";
}

void EngineLoop::checkBlocks() const {
  const BlockManager &blocks = scheduler_.blockManager();
  const BlockManager::Params &p = blocks.params();
  std::vector<int32_t> owners(size_t(p.numBlocks), 0);
  for (int32_t slot = 0; slot < p.maxSlots; ++slot) {
    const std::vector<int32_t> &list = blocks.blocksOf(slot);
    for (int32_t index = 0; index < p.maxBlocksPerSeq; ++index) {
      const int32_t expected =
          index < int32_t(list.size()) ? list[size_t(index)] : -1;
      EXPECT_EQ(blocks.tableEntry(slot, index), expected)
          << "table row " << slot << " entry " << index;
    }
    for (int32_t block : list)
      ++owners[size_t(block)];
  }
  int32_t used = 0;
  for (int32_t block = 0; block < p.numBlocks; ++block) {
    // Without prefix caching the scheduler shares no blocks.
    if (!p.prefixCaching) {
      EXPECT_LE(owners[size_t(block)], 1)
          << "block " << block << " owned twice";
    }
    EXPECT_EQ(blocks.refCount(block), owners[size_t(block)])
        << "block " << block;
    used += owners[size_t(block)] > 0;
  }
  EXPECT_EQ(used + blocks.numFreeBlocks(), p.numBlocks);
}

void expectMatchesSolo(const EngineLoop &loop, RequestId id,
                       const Request &request) {
  Transcript solo =
      runAlone(request, loop.scheduler().params().maxSeqLen, loop.vocab());
  auto it = loop.transcripts.find(id);
  ASSERT_NE(it, loop.transcripts.end()) << "request " << id << " got nothing";
  EXPECT_EQ(it->second.tokens, solo.tokens) << "request " << id;
  EXPECT_EQ(it->second.finish, solo.finish) << "request " << id;
  EXPECT_EQ(it->second.outputsAfterFinish, 0) << "request " << id;
}

} // namespace llmc::serving::testing
