// Tests of the scheduler's admission, chunked prefill, finish rules, static
// batching, timelines and result checking, driven through the simulated
// device with results one step late (the pipelined engine).
#include "FakeDevice.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace llmc;
using namespace llmc::serving;
using namespace llmc::serving::testing;

namespace {

SchedulerParams makeParams(int32_t maxSlots, int32_t maxSeqLen,
                           int32_t blockSize, int32_t numBlocks,
                           int32_t maxStepTokens,
                           BatchingMode mode = BatchingMode::Continuous) {
  SchedulerParams p;
  p.maxSlots = maxSlots;
  p.maxSeqLen = maxSeqLen;
  p.blockSize = blockSize;
  p.numBlocks = numBlocks;
  p.maxStepTokens = maxStepTokens;
  p.mode = mode;
  return p;
}

/// Every request's streamed tokens and finish equal the model's run alone.
void expectMatchesSolo(const EngineLoop &loop,
                       const std::map<RequestId, Request> &requests) {
  for (const auto &[id, request] : requests)
    llmc::serving::testing::expectMatchesSolo(loop, id, request);
}

/// The index of a token of `tokens` that first occurs there, at >= 2: making
/// it a stop token ends the request after index + 1 tokens.
size_t firstNewTokenIndex(const std::vector<int32_t> &tokens) {
  for (size_t i = 2; i < tokens.size(); ++i)
    if (std::find(tokens.begin(), tokens.begin() + long(i), tokens[i]) ==
        tokens.begin() + long(i))
      return i;
  return 0;
}

std::string messageOf(const StatusOr<RequestId> &result) {
  return result.isOk() ? "ok" : result.status().message();
}

} // namespace

TEST(SchedulerParams, RejectsBudgetThatCannotFitDecodesAndAChunk) {
  Status status = makeParams(8, 64, 16, 64, 8).validate();
  ASSERT_FALSE(status.isOk());
  EXPECT_NE(status.message().find("max_step_tokens (8) must exceed max_slots"),
            std::string::npos)
      << status.message();
}

TEST(SchedulerParams, RejectsPoolSmallerThanOneContext) {
  Status status = makeParams(2, 64, 16, 3, 32).validate();
  ASSERT_FALSE(status.isOk());
  EXPECT_NE(status.message().find("num_blocks (3) must hold one full context"),
            std::string::npos)
      << status.message();
  EXPECT_TRUE(makeParams(2, 64, 16, 4, 32).validate().isOk());
}

TEST(Scheduler, RejectsEmptyPromptAndPromptWithoutRoomForAToken) {
  StatusOr<Scheduler> scheduler = Scheduler::create(makeParams(2, 16, 4, 4, 8));
  ASSERT_TRUE(scheduler.isOk());
  EXPECT_NE(messageOf(scheduler->submit(makeRequest(0, 4, 1)))
                .find("the prompt is empty"),
            std::string::npos);
  EXPECT_NE(messageOf(scheduler->submit(makeRequest(16, 4, 1)))
                .find("prompt of 16 tokens leaves no room"),
            std::string::npos);
  EXPECT_TRUE(scheduler->submit(makeRequest(15, 4, 1)).isOk());
  Request negative = makeRequest(3, 4, 1);
  negative.prompt[1] = -5;
  EXPECT_NE(messageOf(scheduler->submit(negative)).find("prompt[1] is -5"),
            std::string::npos);
  EXPECT_EQ(scheduler->numQueued(), 1u);
}

TEST(Scheduler, FoldsEosIdsIntoTheSlotStopIdsAndRejectsTooMany) {
  Request request = makeRequest(3, 4, 1);
  request.stop.eosIds = {2, 7};
  request.stop.stopIds = {7, 9};
  StatusOr<SlotStopIds> stops = checkRequest(request, 16);
  ASSERT_TRUE(stops.isOk()) << stops.status().message();
  EXPECT_EQ(stops->eosId, 2);
  EXPECT_EQ(stops->stopIds, (std::array<int32_t, 4>{7, 9, -1, -1}));

  request.stop.stopIds = {3, 4, 5, 6};
  StatusOr<SlotStopIds> tooMany = checkRequest(request, 16);
  ASSERT_FALSE(tooMany.isOk());
  EXPECT_NE(tooMany.status().message().find("5 distinct stop ids"),
            std::string::npos)
      << tooMany.status().message();

  request.stop.ignoreEos = true; // the eos ids no longer count
  stops = checkRequest(request, 16);
  ASSERT_TRUE(stops.isOk());
  EXPECT_EQ(stops->eosId, -1);
}

TEST(Scheduler, AdmitsUpToMaxSlotsAndQueuesTheRest) {
  EngineLoop loop(makeParams(3, 64, 4, 64, 64));
  std::map<RequestId, Request> requests;
  for (int i = 0; i < 5; ++i) {
    Request r = makeRequest(4 + i, 6 + 3 * i, 100 + i);
    requests[loop.submit(r)] = r;
  }
  StepPlan first = loop.iterate();
  ASSERT_EQ(first.admissions.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(first.admissions[size_t(i)].slot, i);
    EXPECT_EQ(first.admissions[size_t(i)].request, i) << "first come first";
  }
  EXPECT_EQ(loop.scheduler().phase(3), RequestPhase::Queued);
  EXPECT_EQ(loop.scheduler().phase(4), RequestPhase::Queued);
  loop.runUntilIdle();
  expectMatchesSolo(loop, requests);
  // Request 3 got the slot of the first one to finish, not earlier.
  const int64_t firstFinish =
      std::min({loop.transcripts[0].timeline.finishStep,
                loop.transcripts[1].timeline.finishStep,
                loop.transcripts[2].timeline.finishStep});
  EXPECT_GT(loop.transcripts[3].timeline.admitStep, firstFinish);
  EXPECT_EQ(loop.scheduler().blockManager().numFreeBlocks(), 64);
}

TEST(Scheduler, ChunksLongPromptUnderTheBudgetWhileDecodesContinue) {
  EngineLoop loop(makeParams(4, 128, 8, 64, /*maxStepTokens=*/8));
  std::map<RequestId, Request> requests;
  for (int i = 0; i < 2; ++i) {
    Request r = makeRequest(3, 40, 7 + i);
    requests[loop.submit(r)] = r;
  }
  for (int i = 0; i < 3; ++i)
    loop.iterate();
  ASSERT_EQ(loop.scheduler().phase(0), RequestPhase::Decoding);
  ASSERT_EQ(loop.scheduler().phase(1), RequestPhase::Decoding);

  Request longPrompt = makeRequest(60, 5, 99);
  const RequestId id = loop.submit(longPrompt);
  requests[id] = longPrompt;
  int32_t nextStart = 0;
  while (nextStart < 60) {
    StepPlan plan = loop.iterate();
    ASSERT_EQ(plan.decodes.size(), 2u) << "step " << plan.step;
    ASSERT_EQ(plan.prefills.size(), 1u) << "step " << plan.step;
    const PrefillChunk &chunk = plan.prefills[0];
    EXPECT_EQ(chunk.request, id);
    EXPECT_EQ(chunk.startPosition, nextStart);
    // The budget minus the two decode rows, or what is left of the prompt.
    EXPECT_EQ(int32_t(chunk.tokens.size()), std::min(6, 60 - nextStart));
    nextStart += int32_t(chunk.tokens.size());
    EXPECT_EQ(chunk.lastChunk, nextStart == 60);
  }
  loop.runUntilIdle();
  expectMatchesSolo(loop, requests);
}

TEST(Scheduler, ContinuesPartialPromptsBeforeAdmittingNewOnes) {
  EngineLoop loop(makeParams(2, 64, 4, 32, /*maxStepTokens=*/10));
  std::map<RequestId, Request> requests;
  for (int i = 0; i < 2; ++i) {
    Request r = makeRequest(25, 3, 50 + i);
    requests[loop.submit(r)] = r;
  }
  StepPlan plan = loop.iterate();
  ASSERT_EQ(plan.admissions.size(), 1u) << "the budget is spent on request 0";
  plan = loop.iterate();
  ASSERT_EQ(plan.prefills.size(), 1u);
  EXPECT_EQ(plan.prefills[0].request, 0);
  plan = loop.iterate();
  ASSERT_EQ(plan.prefills.size(), 2u);
  EXPECT_EQ(plan.prefills[0].request, 0);
  EXPECT_TRUE(plan.prefills[0].lastChunk);
  EXPECT_EQ(plan.prefills[0].tokens.size(), 5u);
  EXPECT_EQ(plan.prefills[1].request, 1);
  EXPECT_EQ(plan.prefills[1].tokens.size(), 5u);
  loop.runUntilIdle();
  expectMatchesSolo(loop, requests);
}

// The fake model's tokens for a request run alone decide which token stops it.
class FinishRules : public ::testing::Test {
protected:
  static constexpr int32_t kContext = 64;
  static constexpr int32_t kVocab = 64;

  Transcript runInLoop(const Request &request) {
    EngineLoop loop(makeParams(2, kContext, 4, 32, 16), 1, kVocab);
    // A neighbour, so the request shares steps with another.
    const Request neighbour = makeRequest(5, 9, 4242);
    const RequestId id = loop.submit(request);
    loop.submit(neighbour);
    loop.runUntilIdle();
    expectMatchesSolo(loop, {{id, request}, {id + 1, neighbour}});
    return loop.transcripts[id];
  }
};

TEST_F(FinishRules, FinishesOnEos) {
  Request request = makeRequest(4, 20, 11);
  Transcript free = runAlone(request, kContext, kVocab);
  const size_t stopAt = firstNewTokenIndex(free.tokens);
  ASSERT_GT(stopAt, 0u);
  request.stop.eosIds = {free.tokens[stopAt]};
  Transcript t = runInLoop(request);
  EXPECT_EQ(t.finish, FinishReason::StopToken);
  EXPECT_EQ(t.tokens.size(), stopAt + 1);

  request.stop.ignoreEos = true;
  t = runInLoop(request);
  EXPECT_EQ(t.finish, FinishReason::MaxTokens);
  EXPECT_EQ(t.tokens.size(), 20u);
}

TEST_F(FinishRules, FinishesOnStopId) {
  Request request = makeRequest(4, 20, 12);
  Transcript free = runAlone(request, kContext, kVocab);
  const size_t stopAt = firstNewTokenIndex(free.tokens);
  ASSERT_GT(stopAt, 0u);
  request.stop.stopIds = {kVocab + 5, free.tokens[stopAt]};
  request.stop.ignoreEos = true; // stop ids still apply
  Transcript t = runInLoop(request);
  EXPECT_EQ(t.finish, FinishReason::StopToken);
  EXPECT_EQ(t.tokens.size(), stopAt + 1);
}

TEST_F(FinishRules, FinishesOnMaxTokens) {
  Transcript t = runInLoop(makeRequest(4, 5, 13));
  EXPECT_EQ(t.finish, FinishReason::MaxTokens);
  EXPECT_EQ(t.tokens.size(), 5u);
}

TEST_F(FinishRules, FinishesAtContextEnd) {
  // Prompt positions 0..57; generated tokens take positions 58..64, and the
  // one at 64 (= the context) is the last.
  Transcript t = runInLoop(makeRequest(58, 100, 14));
  EXPECT_EQ(t.finish, FinishReason::ContextEnd);
  EXPECT_EQ(t.tokens.size(), 7u);
}

TEST(Scheduler, DropsTheOvershootStepOfASlotThatFinished) {
  EngineLoop loop(makeParams(2, 64, 4, 32, 16), /*lag=*/1);
  Request request = makeRequest(4, 30, 21);
  Transcript free = runAlone(request, 64, loop.vocab());
  const size_t stopAt = firstNewTokenIndex(free.tokens);
  ASSERT_GT(stopAt, 0u);
  request.stop.eosIds = {free.tokens[stopAt]};
  const RequestId id = loop.submit(request);
  loop.runUntilIdle();
  expectMatchesSolo(loop, {{id, request}});
  // The step after the finishing one was planned before the finish was seen:
  // it still has the request's decode row, which the device masked.
  const int64_t finishStep = loop.transcripts[id].timeline.finishStep;
  auto next =
      std::find_if(loop.plans.begin(), loop.plans.end(),
                   [&](const StepPlan &p) { return p.step == finishStep + 1; });
  ASSERT_NE(next, loop.plans.end());
  ASSERT_EQ(next->decodes.size(), 1u);
  EXPECT_EQ(next->decodes[0].request, id);
}

TEST(Scheduler, PlansNoDecodePastMaxTokens) {
  EngineLoop loop(makeParams(2, 64, 4, 32, 16), /*lag=*/1);
  const RequestId id = loop.submit(makeRequest(4, 3, 22));
  loop.runUntilIdle();
  // Step 0 prefills and samples token 1, steps 1 and 2 decode tokens 2 and
  // 3; the device has certainly stopped, so no step 3 is planned.
  ASSERT_EQ(loop.plans.size(), 3u);
  EXPECT_EQ(loop.transcripts[id].tokens.size(), 3u);
  EXPECT_EQ(loop.transcripts[id].timeline.finishStep, 2);
}

TEST(Scheduler, TimelineRecordsSubmitAdmitFirstTokenAndFinishSteps) {
  EngineLoop loop(makeParams(1, 64, 4, 32, 16), /*lag=*/1);
  const RequestId first = loop.submit(makeRequest(3, 4, 31));
  loop.iterate(); // step 0: prefill, token 1
  loop.iterate(); // step 1: decode; step 0 read back
  const RequestId second = loop.submit(makeRequest(3, 2, 32));
  StatusOr<RequestTimeline> queued = loop.scheduler().timeline(second);
  ASSERT_TRUE(queued.isOk());
  EXPECT_EQ(queued->submitStep, 2);
  EXPECT_EQ(queued->admitStep, -1);
  loop.runUntilIdle();

  const RequestTimeline &a = loop.transcripts[first].timeline;
  EXPECT_EQ(a.submitStep, 0);
  EXPECT_EQ(a.admitStep, 0);
  EXPECT_EQ(a.firstTokenStep, 0);
  EXPECT_EQ(a.finishStep, 3);
  const RequestTimeline &b = loop.transcripts[second].timeline;
  // The only slot frees when step 3's finish is read; the plan before that
  // had nothing to run, so the second request is admitted in step 4.
  EXPECT_EQ(b.admitStep, 4);
  EXPECT_EQ(b.firstTokenStep, 4);
  EXPECT_EQ(b.finishStep, 5);
  EXPECT_EQ(b.preemptions, 0);
  EXPECT_FALSE(loop.scheduler().timeline(first).isOk()) << "finished";
}

TEST(Scheduler, StaticModeRunsEachBatchToCompletionBeforeTheNext) {
  const std::vector<int32_t> maxTokens = {2, 12, 3, 3, 2};
  for (BatchingMode mode : {BatchingMode::Static, BatchingMode::Continuous}) {
    EngineLoop loop(makeParams(2, 64, 4, 32, 16, mode));
    std::map<RequestId, Request> requests;
    for (size_t i = 0; i < maxTokens.size(); ++i) {
      Request r = makeRequest(4, maxTokens[i], 60 + i);
      requests[loop.submit(r)] = r;
    }
    loop.runUntilIdle();
    expectMatchesSolo(loop, requests);
    auto timeline = [&](RequestId id) { return loop.transcripts[id].timeline; };
    const int64_t batch0End =
        std::max(timeline(0).finishStep, timeline(1).finishStep);
    if (mode == BatchingMode::Static) {
      EXPECT_GT(timeline(2).admitStep, batch0End);
      EXPECT_EQ(timeline(3).admitStep, timeline(2).admitStep) << "one batch";
      EXPECT_GT(timeline(4).admitStep,
                std::max(timeline(2).finishStep, timeline(3).finishStep));
    } else {
      // Request 2 takes request 0's slot while request 1 still decodes.
      EXPECT_LT(timeline(2).admitStep, timeline(1).finishStep);
    }
  }
}

TEST(Scheduler, RejectsTooLongPromptWhileOthersRun) {
  EngineLoop loop(makeParams(2, 32, 4, 16, 16));
  std::map<RequestId, Request> requests;
  for (int i = 0; i < 2; ++i) {
    Request r = makeRequest(5, 10, 70 + i);
    requests[loop.submit(r)] = r;
  }
  loop.iterate();
  loop.iterate();
  StatusOr<RequestId> tooLong = loop.scheduler().submit(makeRequest(32, 4, 79));
  ASSERT_FALSE(tooLong.isOk());
  EXPECT_NE(tooLong.status().message().find("context of 32"),
            std::string::npos);
  loop.runUntilIdle();
  expectMatchesSolo(loop, requests);
}

TEST(Scheduler, RejectsResultsThatDoNotFitThePlan) {
  StatusOr<Scheduler> created = Scheduler::create(makeParams(2, 32, 4, 16, 16));
  ASSERT_TRUE(created.isOk());
  Scheduler &scheduler = *created;
  ASSERT_TRUE(scheduler.submit(makeRequest(3, 1, 80)).isOk());
  StepPlan plan = scheduler.planStep();
  ASSERT_EQ(plan.step, 0);
  ASSERT_EQ(plan.prefills.size(), 1u);
  const int32_t slot = plan.prefills[0].slot;

  auto errorOf = [&](int64_t step, std::vector<SlotEvent> events) {
    auto result = scheduler.onStepResult(step, events);
    return result.isOk() ? std::string("ok") : result.status().message();
  };
  EXPECT_NE(errorOf(1, {}).find("out of order: step 0"), std::string::npos);
  EXPECT_NE(errorOf(0, {{1 - slot, 5, FinishReason::StopToken}})
                .find("did not sample in this step"),
            std::string::npos);
  EXPECT_NE(
      errorOf(0, {{slot, -2, FinishReason::StopToken}}).find("is negative"),
      std::string::npos);
  EXPECT_NE(errorOf(0, {{slot, 5, FinishReason(7)}}).find("finish code 7"),
            std::string::npos);
  EXPECT_NE(errorOf(0, {{slot, 5, FinishReason::MaxTokens},
                        {slot, 5, FinishReason::MaxTokens}})
                .find("reported twice"),
            std::string::npos);
  // max_new_tokens is 1: a first token reported as running missed the rule.
  EXPECT_NE(errorOf(0, {{slot, 5, FinishReason::Running}})
                .find("stop rule was missed"),
            std::string::npos);

  // The failures changed nothing: the right result is still taken.
  StatusOr<std::vector<RequestOutput>> outputs =
      scheduler.onStepResult(0, {{slot, 5, FinishReason::MaxTokens}});
  ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
  ASSERT_EQ(outputs->size(), 1u);
  EXPECT_EQ((*outputs)[0].token, 5);
  EXPECT_EQ((*outputs)[0].finish, FinishReason::MaxTokens);
  EXPECT_TRUE(scheduler.idle());
  EXPECT_NE(errorOf(1, {}).find("no step awaits"), std::string::npos);
}
