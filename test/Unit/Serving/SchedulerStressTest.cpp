// A randomized stress test of the scheduler: many requests with random
// prompts and stop rules arrive and are cancelled at random over a KV pool of
// one context, so preemption is constant. After every step the block
// invariants must hold (no block owned twice, refcounts match, table rows
// mirror the block lists); at the end every request that was not cancelled
// has exactly its tokens run alone, and every block is free again. With
// prefix caching on, most prompts start with one of a few shared prefixes,
// so cached blocks are shared, parked, evicted and reused all the time; a
// block shared by mistake changes the fake model's tokens.
#include "FakeDevice.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

using namespace llmc;
using namespace llmc::serving;
using namespace llmc::serving::testing;

namespace {

/// SplitMix64: the same sequence on every platform, unlike <random>'s
/// distributions.
class Rng {
public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [lo, hi].
  int32_t uniform(int32_t lo, int32_t hi) {
    return lo + int32_t(next() % uint64_t(hi - lo + 1));
  }
  bool chance(int percent) { return uniform(1, 100) <= percent; }

private:
  uint64_t state_;
};

struct StressCase {
  BatchingMode mode;
  int lag;
  uint64_t seed;
  bool prefixCaching = false;
};

std::string caseName(const ::testing::TestParamInfo<StressCase> &info) {
  return std::string(info.param.mode == BatchingMode::Static ? "Static"
                                                             : "Continuous") +
         "Lag" + std::to_string(info.param.lag) +
         (info.param.prefixCaching ? "PrefixCache" : "");
}

class SchedulerStress : public ::testing::TestWithParam<StressCase> {};

constexpr int32_t kVocab = 32;
constexpr int kRequests = 150;

Request randomRequest(Rng &rng, int32_t maxSeqLen, bool sharedPrefixes) {
  Request r = makeRequest(rng.uniform(1, maxSeqLen * 2 / 3), rng.uniform(1, 16),
                          rng.next(), kVocab);
  if (sharedPrefixes && rng.chance(70)) {
    // One of three common beginnings, as long as the prompt allows.
    const Request common =
        makeRequest(maxSeqLen / 2, 1, 1000 + rng.uniform(0, 2), kVocab);
    for (size_t i = 0; i < r.prompt.size() && i < common.prompt.size(); ++i)
      r.prompt[i] = common.prompt[i];
  }
  for (int i = rng.uniform(0, 2); i > 0; --i)
    r.stop.stopIds.push_back(rng.uniform(0, kVocab - 1));
  if (rng.chance(50))
    r.stop.eosIds.push_back(rng.uniform(0, kVocab - 1));
  r.stop.ignoreEos = rng.chance(20);
  return r;
}

} // namespace

TEST_P(SchedulerStress, KeepsBlockInvariantsAndEveryRequestsTokens) {
  const StressCase param = GetParam();
  SchedulerParams params;
  params.maxSlots = 4;
  params.maxSeqLen = 32;
  params.blockSize = 4;
  params.numBlocks = 8; // one context: requests compete for every block
  params.maxStepTokens = 10;
  params.mode = param.mode;
  params.prefixCaching = param.prefixCaching;
  EngineLoop loop(params, param.lag, kVocab);
  Rng rng(param.seed);

  std::map<RequestId, Request> requests;
  std::set<RequestId> cancelled;
  int submitted = 0;
  for (int iteration = 0; submitted < kRequests || !loop.scheduler().idle();
       ++iteration) {
    ASSERT_LT(iteration, 50000) << "no progress";
    if (submitted < kRequests && rng.chance(40)) {
      Request r = randomRequest(rng, params.maxSeqLen, param.prefixCaching);
      requests[loop.submit(r)] = r;
      ++submitted;
    }
    if (rng.chance(2)) {
      // Rejected without disturbing anyone.
      Request tooLong = makeRequest(params.maxSeqLen, 4, rng.next(), kVocab);
      EXPECT_FALSE(loop.scheduler().submit(tooLong).isOk());
    }
    if (!requests.empty() && rng.chance(4)) {
      // Any phase, finished ones included.
      const RequestId id = rng.uniform(0, int32_t(requests.size()) - 1);
      ASSERT_TRUE(loop.scheduler().cancel(id).isOk());
      cancelled.insert(id);
    }
    loop.iterate();
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
  }

  int preemptions = 0;
  for (const auto &[id, request] : requests) {
    const Transcript solo = runAlone(request, params.maxSeqLen, kVocab);
    auto it = loop.transcripts.find(id);
    const Transcript *t = it == loop.transcripts.end() ? nullptr : &it->second;
    if (t && t->finish) {
      // Finished (possibly cancelled afterwards): the whole run, once.
      EXPECT_EQ(t->tokens, solo.tokens) << "request " << id;
      EXPECT_EQ(t->finish, solo.finish) << "request " << id;
      EXPECT_EQ(t->outputsAfterFinish, 0) << "request " << id;
      preemptions += t->timeline.preemptions;
      continue;
    }
    EXPECT_TRUE(cancelled.count(id)) << "request " << id << " never finished";
    if (t) {
      ASSERT_LT(t->tokens.size(), solo.tokens.size()) << "request " << id;
      EXPECT_TRUE(
          std::equal(t->tokens.begin(), t->tokens.end(), solo.tokens.begin()))
          << "request " << id;
    }
  }
  EXPECT_GT(preemptions, 0) << "the pool was never short: a weak test";
  if (param.prefixCaching)
    EXPECT_GT(loop.scheduler().prefixHitTokens(), 0)
        << "no prompt reused a cached block: a weak test";
  EXPECT_LT(cancelled.size(), requests.size() / 2);

  const BlockManager &blocks = loop.scheduler().blockManager();
  EXPECT_EQ(blocks.numFreeBlocks(), params.numBlocks);
  EXPECT_TRUE(std::all_of(blocks.table().begin(), blocks.table().end(),
                          [](int32_t entry) { return entry == -1; }));
}

INSTANTIATE_TEST_SUITE_P(
    Modes, SchedulerStress,
    ::testing::Values(StressCase{BatchingMode::Continuous, 0, 1},
                      StressCase{BatchingMode::Continuous, 1, 2},
                      StressCase{BatchingMode::Continuous, 2, 3},
                      StressCase{BatchingMode::Static, 1, 4},
                      StressCase{BatchingMode::Static, 2, 5},
                      StressCase{BatchingMode::Continuous, 0, 6, true},
                      StressCase{BatchingMode::Continuous, 1, 7, true},
                      StressCase{BatchingMode::Continuous, 2, 8, true},
                      StressCase{BatchingMode::Static, 1, 9, true}),
    caseName);
