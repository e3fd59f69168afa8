// Prefix caching: full KV blocks keyed by their prefix, shared by reference
// count, parked when free and evicted least recently used first; the
// scheduler starts a request's prefill after its cached prefix and produces
// the same tokens as without the cache.
#include "FakeDevice.h"

#include <gtest/gtest.h>

using namespace llmc;
using namespace llmc::serving;
using namespace llmc::serving::testing;

namespace {

BlockManager cachingManager(int32_t numBlocks) {
  StatusOr<BlockManager> m = BlockManager::create({numBlocks, 4, 4, 8, true});
  EXPECT_TRUE(m.isOk());
  return std::move(m).value();
}

SchedulerParams cachingParams() {
  SchedulerParams p;
  p.maxSlots = 4;
  p.maxSeqLen = 64;
  p.blockSize = 4;
  p.numBlocks = 64;
  p.maxStepTokens = 16;
  p.prefixCaching = true;
  return p;
}

} // namespace

TEST(PrefixCache, KeysNameTheWholePrefix) {
  const int32_t a[] = {1, 2, 3, 4}, b[] = {1, 2, 3, 5};
  const uint64_t first = PrefixCache::chainKey(PrefixCache::kNoParent, a, 4);
  EXPECT_EQ(first, PrefixCache::chainKey(PrefixCache::kNoParent, a, 4));
  EXPECT_NE(first, PrefixCache::chainKey(PrefixCache::kNoParent, b, 4));
  // The same tokens after a different prefix are a different block.
  EXPECT_NE(PrefixCache::chainKey(first, a, 4),
            PrefixCache::chainKey(
                PrefixCache::chainKey(PrefixCache::kNoParent, b, 4), a, 4));
}

TEST(BlockManager, FindsTheCachedBlocksOfAPrefix) {
  BlockManager m = cachingManager(16);
  const std::vector<int32_t> tokens = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  ASSERT_TRUE(m.growTo(0, 10).isOk());
  m.cacheFullBlocks(0, tokens, 10); // two full blocks; the third is partial
  const std::vector<int32_t> held = m.blocksOf(0);
  EXPECT_EQ(m.lookupPrefix(tokens, 8),
            (std::vector<int32_t>{held[0], held[1]}));
  EXPECT_EQ(m.lookupPrefix(tokens, 1), (std::vector<int32_t>{held[0]}));
  std::vector<int32_t> other = tokens;
  other[5] = 99; // differs in the second block
  EXPECT_EQ(m.lookupPrefix(other, 8), (std::vector<int32_t>{held[0]}));

  // Shared copy-free: the second sequence holds the same blocks.
  ASSERT_TRUE(m.appendCached(1, held[0]).isOk());
  EXPECT_EQ(m.refCount(held[0]), 2);
  EXPECT_EQ(m.tableEntry(1, 0), held[0]);
}

TEST(BlockManager, ParksFreedCachedBlocksAndEvictsTheLeastRecentFirst) {
  BlockManager m = cachingManager(4);
  const std::vector<int32_t> a = {1, 1, 1, 1}, b = {2, 2, 2, 2};
  ASSERT_TRUE(m.growTo(0, 4).isOk());
  m.cacheFullBlocks(0, a, 4);
  ASSERT_TRUE(m.growTo(1, 4).isOk());
  m.cacheFullBlocks(1, b, 4);
  const int32_t blockA = m.blocksOf(0)[0], blockB = m.blocksOf(1)[0];
  ASSERT_TRUE(m.freeSlot(0).isOk()); // parked first: evicted first
  ASSERT_TRUE(m.freeSlot(1).isOk());
  EXPECT_EQ(m.numFreeBlocks(), 4);
  EXPECT_EQ(m.numCachedBlocks(), 2);

  // Reusing a parked block takes it off the list, with one owner.
  ASSERT_TRUE(m.appendCached(2, blockB).isOk());
  EXPECT_EQ(m.refCount(blockB), 1);
  EXPECT_EQ(m.numFreeBlocks(), 3);

  // Never-cached blocks go first, then the parked one.
  ASSERT_TRUE(m.growTo(3, 12).isOk());
  EXPECT_EQ(m.blocksOf(3).back(), blockA);
  EXPECT_TRUE(m.lookupPrefix(a, 1).empty()) << "the evicted key is forgotten";
  EXPECT_EQ(m.lookupPrefix(b, 1), (std::vector<int32_t>{blockB}));
}

TEST(Scheduler, StartsAfterTheCachedPrefixWithTheSameTokens) {
  EngineLoop loop(cachingParams());
  const Request first = makeRequest(18, 6, 5);
  const RequestId a = loop.submit(first);
  loop.runUntilIdle();
  expectMatchesSolo(loop, a, first);

  // Same first 16 tokens, different tail and seed.
  Request second = makeRequest(20, 6, 9);
  std::copy(first.prompt.begin(), first.prompt.begin() + 16,
            second.prompt.begin());
  const size_t plansBefore = loop.plans.size();
  const RequestId b = loop.submit(second);
  loop.runUntilIdle();
  expectMatchesSolo(loop, b, second);
  const StepPlan &admission = loop.plans[plansBefore];
  ASSERT_EQ(admission.admissions.size(), 1u);
  EXPECT_EQ(admission.admissions[0].cachedPrefix, 16);
  EXPECT_EQ(admission.prefills[0].startPosition, 16);
  EXPECT_EQ(loop.scheduler().prefixHitTokens(), 16);
}

TEST(Scheduler, AFollowUpTurnReusesTheGeneratedBlocks) {
  EngineLoop loop(cachingParams());
  const Request turn1 = makeRequest(6, 12, 3);
  const RequestId a = loop.submit(turn1);
  loop.runUntilIdle();
  expectMatchesSolo(loop, a, turn1);

  // The next turn's prompt: the first turn's prompt and answer, then more.
  Request turn2 = turn1;
  const std::vector<int32_t> &answer = loop.transcripts[a].tokens;
  turn2.prompt.insert(turn2.prompt.end(), answer.begin(), answer.end());
  turn2.prompt.insert(turn2.prompt.end(), {7, 8, 9});
  const RequestId b = loop.submit(turn2);
  loop.runUntilIdle();
  expectMatchesSolo(loop, b, turn2);
  // Positions [0, 17) of turn 1 had their KV written: four full blocks.
  EXPECT_EQ(loop.scheduler().prefixHitTokens(), 16);
}

TEST(Scheduler, IdenticalPromptsAlwaysComputeTheLastToken) {
  EngineLoop loop(cachingParams());
  const Request r = makeRequest(16, 4, 2); // exactly four blocks
  loop.submit(r);
  loop.runUntilIdle();
  const size_t plansBefore = loop.plans.size();
  const RequestId again = loop.submit(r);
  loop.runUntilIdle();
  expectMatchesSolo(loop, again, r);
  // Three blocks are reused; the fourth holds the position that samples.
  EXPECT_EQ(loop.plans[plansBefore].prefills[0].startPosition, 12);
}
