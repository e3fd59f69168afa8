// Tests of preemption with recomputation when the KV pool runs out, and of
// cancellation in every phase of a request, through the simulated device with
// results one step late.
#include "FakeDevice.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace llmc;
using namespace llmc::serving;
using namespace llmc::serving::testing;

namespace {

/// A pool of exactly one full context (8 blocks of 4 for 32 positions).
SchedulerParams tinyPool(int32_t maxSlots, int32_t maxStepTokens = 16) {
  SchedulerParams p;
  p.maxSlots = maxSlots;
  p.maxSeqLen = 32;
  p.blockSize = 4;
  p.numBlocks = 8;
  p.maxStepTokens = maxStepTokens;
  return p;
}

SchedulerParams roomyPool(int32_t maxSlots, int32_t maxStepTokens = 16) {
  SchedulerParams p = tinyPool(maxSlots, maxStepTokens);
  p.numBlocks = 64;
  return p;
}

/// The tokens a cancelled request streamed: a prefix of its run alone, and
/// no finish.
void expectCancelledPrefix(const EngineLoop &loop, RequestId id,
                           const Request &request) {
  Transcript solo =
      runAlone(request, loop.scheduler().params().maxSeqLen, loop.vocab());
  auto it = loop.transcripts.find(id);
  if (it == loop.transcripts.end())
    return; // cancelled before its first token
  const std::vector<int32_t> &tokens = it->second.tokens;
  ASSERT_LT(tokens.size(), solo.tokens.size()) << "request " << id;
  EXPECT_TRUE(std::equal(tokens.begin(), tokens.end(), solo.tokens.begin()))
      << "request " << id;
  EXPECT_FALSE(it->second.finish) << "request " << id;
}

bool admittedAfter(const EngineLoop &loop, RequestId id, size_t firstPlan) {
  for (size_t i = firstPlan; i < loop.plans.size(); ++i)
    for (const SlotInit &init : loop.plans[i].admissions)
      if (init.request == id)
        return true;
  return false;
}

} // namespace

TEST(SchedulerPreemption, PreemptsNewestAndRecomputesItWithoutLosingTokens) {
  EngineLoop loop(tinyPool(3));
  std::vector<Request> requests;
  for (int i = 0; i < 3; ++i) {
    requests.push_back(makeRequest(6, 24, 300 + i));
    loop.submit(requests.back());
  }
  // Each request grows to 30 positions, the whole pool: preemption is certain.
  // Without stop tokens every row that samples for request 2 yields one of
  // its tokens, so a recomputation must prefill exactly that many.
  int readmissions = 0;
  int32_t samplingRows = 0;
  while (!loop.scheduler().idle()) {
    const size_t streamed = loop.transcripts[2].tokens.size();
    StepPlan plan = loop.iterate();
    for (const SlotInit &init : plan.admissions) {
      if (init.request != 2 || plan.step == 0)
        continue;
      ++readmissions;
      // The prompt plus every token already streamed, the one that was in
      // flight when the slot was lost included; the rest is generated.
      EXPECT_EQ(init.promptLength, 6 + samplingRows);
      EXPECT_EQ(init.promptLength, 6 + int32_t(streamed));
      EXPECT_EQ(init.maxNewTokens, 24 - int32_t(streamed));
    }
    for (const PrefillChunk &chunk : plan.prefills)
      samplingRows += chunk.request == 2 && chunk.lastChunk;
    for (const DecodeRow &row : plan.decodes)
      samplingRows += row.request == 2;
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
  }
  EXPECT_GT(readmissions, 0);
  for (RequestId id = 0; id < 3; ++id)
    expectMatchesSolo(loop, id, requests[size_t(id)]);
  EXPECT_EQ(loop.transcripts[0].timeline.preemptions, 0) << "the oldest";
  EXPECT_GT(loop.transcripts[2].timeline.preemptions, 0) << "the newest";
  EXPECT_EQ(loop.scheduler().blockManager().numFreeBlocks(), 8);
}

TEST(SchedulerPreemption, PreemptedRequestIsReadmittedBeforeLaterArrivals) {
  EngineLoop loop(tinyPool(2));
  std::vector<Request> requests = {
      makeRequest(6, 24, 310), makeRequest(6, 24, 311), makeRequest(4, 4, 312)};
  for (const Request &r : requests)
    loop.submit(r);
  loop.runUntilIdle();
  for (RequestId id = 0; id < 3; ++id)
    expectMatchesSolo(loop, id, requests[size_t(id)]);
  ASSERT_GT(loop.transcripts[1].timeline.preemptions, 0);

  std::vector<RequestId> admissionOrder;
  for (const StepPlan &plan : loop.plans)
    for (const SlotInit &init : plan.admissions)
      admissionOrder.push_back(init.request);
  // Request 1 is recomputed (its second admission) before request 2, which
  // came later, gets its first.
  auto secondOfOne =
      std::find(std::find(admissionOrder.begin(), admissionOrder.end(), 1) + 1,
                admissionOrder.end(), 1);
  auto firstOfTwo = std::find(admissionOrder.begin(), admissionOrder.end(), 2);
  ASSERT_NE(secondOfOne, admissionOrder.end());
  ASSERT_NE(firstOfTwo, admissionOrder.end());
  EXPECT_LT(secondOfOne, firstOfTwo);
}

TEST(SchedulerPreemption, ResultsLaggingTwoStepsStillMatch) {
  EngineLoop loop(tinyPool(3), /*lag=*/2);
  std::vector<Request> requests;
  for (int i = 0; i < 4; ++i) {
    requests.push_back(makeRequest(5 + i, 20, 320 + i));
    loop.submit(requests.back());
  }
  loop.runUntilIdle();
  for (RequestId id = 0; id < 4; ++id)
    expectMatchesSolo(loop, id, requests[size_t(id)]);
}

TEST(SchedulerCancel, CancelsQueuedRequest) {
  EngineLoop loop(roomyPool(1));
  Request running = makeRequest(4, 6, 400), queued = makeRequest(4, 6, 401);
  loop.submit(running);
  loop.submit(queued);
  loop.iterate();
  ASSERT_EQ(loop.scheduler().phase(1), RequestPhase::Queued);
  ASSERT_TRUE(loop.scheduler().cancel(1).isOk());
  EXPECT_EQ(loop.scheduler().phase(1), RequestPhase::Done);
  EXPECT_EQ(loop.scheduler().numQueued(), 0u);
  loop.runUntilIdle();
  expectMatchesSolo(loop, 0, running);
  EXPECT_FALSE(admittedAfter(loop, 1, 0));
  EXPECT_EQ(loop.transcripts.count(1), 0u);
}

TEST(SchedulerCancel, CancelsPrefillingRequestAndFreesItsBlocks) {
  EngineLoop loop(roomyPool(2, /*maxStepTokens=*/6));
  Request longPrompt = makeRequest(20, 6, 410), other = makeRequest(3, 6, 411);
  loop.submit(longPrompt);
  loop.submit(other);
  loop.iterate(); // 6 of 20 prompt tokens
  ASSERT_EQ(loop.scheduler().phase(0), RequestPhase::Prefilling);
  const int32_t slot = loop.plans[0].admissions[0].slot;
  ASSERT_EQ(loop.scheduler().blockManager().blocksOf(slot).size(), 2u);

  ASSERT_TRUE(loop.scheduler().cancel(0).isOk());
  EXPECT_EQ(loop.scheduler().blockManager().numFreeBlocks(), 64);
  StepPlan next = loop.iterate();
  EXPECT_NE(
      std::find(next.releasedSlots.begin(), next.releasedSlots.end(), slot),
      next.releasedSlots.end());
  for (const PrefillChunk &chunk : next.prefills)
    EXPECT_NE(chunk.request, 0);
  loop.runUntilIdle();
  expectMatchesSolo(loop, 1, other);
  EXPECT_EQ(loop.transcripts.count(0), 0u);
}

TEST(SchedulerCancel, CancelsDecodingRequestAndDropsItsInFlightToken) {
  EngineLoop loop(roomyPool(2), /*lag=*/1);
  Request cancelled = makeRequest(4, 20, 420), other = makeRequest(4, 12, 421);
  loop.submit(cancelled);
  loop.submit(other);
  for (int i = 0; i < 4; ++i)
    loop.iterate();
  ASSERT_EQ(loop.scheduler().phase(0), RequestPhase::Decoding);
  const size_t streamed = loop.transcripts[0].tokens.size();
  ASSERT_GT(streamed, 0u);
  // The step launched last still produces a token for it; that is dropped.
  ASSERT_TRUE(loop.scheduler().cancel(0).isOk());
  loop.runUntilIdle();
  EXPECT_EQ(loop.transcripts[0].tokens.size(), streamed);
  expectCancelledPrefix(loop, 0, cancelled);
  expectMatchesSolo(loop, 1, other);
}

TEST(SchedulerCancel, CancelsRequestThatFinishedOnTheDeviceUnseen) {
  EngineLoop loop(roomyPool(2), /*lag=*/1);
  Request request = makeRequest(4, 2, 430);
  loop.submit(request);
  loop.iterate(); // step 0: first token
  loop.iterate(); // step 1: the last token, not read yet
  ASSERT_EQ(loop.scheduler().phase(0), RequestPhase::Decoding);
  ASSERT_TRUE(loop.scheduler().cancel(0).isOk());
  loop.runUntilIdle();
  EXPECT_EQ(loop.transcripts[0].tokens.size(), 1u);
  expectCancelledPrefix(loop, 0, request);
  EXPECT_EQ(loop.scheduler().blockManager().numFreeBlocks(), 64);
}

TEST(SchedulerCancel, CancelsPreemptedRequest) {
  EngineLoop loop(tinyPool(3));
  std::vector<Request> requests;
  for (int i = 0; i < 3; ++i) {
    requests.push_back(makeRequest(6, 24, 440 + i));
    loop.submit(requests.back());
  }
  int iterations = 0;
  while (loop.scheduler().phase(2) != RequestPhase::Preempted) {
    loop.iterate();
    ASSERT_LT(++iterations, 200) << "request 2 was never preempted";
  }
  ASSERT_TRUE(loop.scheduler().cancel(2).isOk());
  EXPECT_EQ(loop.scheduler().phase(2), RequestPhase::Done);
  const size_t cancelledAt = loop.plans.size();
  loop.runUntilIdle();
  EXPECT_FALSE(admittedAfter(loop, 2, cancelledAt));
  expectCancelledPrefix(loop, 2, requests[2]);
  expectMatchesSolo(loop, 0, requests[0]);
  expectMatchesSolo(loop, 1, requests[1]);
  EXPECT_EQ(loop.scheduler().blockManager().numFreeBlocks(), 8);
}

TEST(SchedulerCancel, CancelOfFinishedRequestChangesNothing) {
  EngineLoop loop(roomyPool(2));
  Request request = makeRequest(4, 3, 450);
  loop.submit(request);
  loop.runUntilIdle();
  ASSERT_TRUE(loop.scheduler().cancel(0).isOk());
  EXPECT_EQ(loop.scheduler().phase(0), RequestPhase::Done);
  EXPECT_TRUE(loop.scheduler().idle());
  expectMatchesSolo(loop, 0, request);
}

TEST(SchedulerCancel, CancelOfUnknownIdFails) {
  EngineLoop loop(roomyPool(2));
  Status status = loop.scheduler().cancel(42);
  ASSERT_FALSE(status.isOk());
  EXPECT_NE(status.message().find("request 42"), std::string::npos);
}
