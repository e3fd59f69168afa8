// Tests of the KV-cache block pool: allocation, reference counts, exhaustion,
// per-slot block lists and the block-table mirror with its change list.
#include "runtime/serving/BlockManager.h"

#include <gtest/gtest.h>

#include <set>

using namespace llmc;
using namespace llmc::serving;

namespace {

BlockManager makeManager(int32_t numBlocks, int32_t blockSize = 4,
                         int32_t maxSlots = 3, int32_t maxBlocksPerSeq = 4) {
  StatusOr<BlockManager> manager =
      BlockManager::create({numBlocks, blockSize, maxSlots, maxBlocksPerSeq});
  EXPECT_TRUE(manager.isOk()) << manager.status().message();
  return std::move(manager).value();
}

} // namespace

TEST(BlockManager, RejectsNonPositiveParameters) {
  StatusOr<BlockManager> manager = BlockManager::create({8, 0, 2, 4});
  ASSERT_FALSE(manager.isOk());
  EXPECT_NE(manager.status().message().find("block_size must be positive"),
            std::string::npos)
      << manager.status().message();
}

TEST(BlockManager, AllocatesEveryBlockOnceThenReportsExhaustion) {
  BlockManager blocks = makeManager(5);
  std::set<int32_t> seen;
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(blocks.canAllocate(5 - i));
    StatusOr<int32_t> block = blocks.allocate();
    ASSERT_TRUE(block.isOk());
    EXPECT_TRUE(seen.insert(*block).second) << "block " << *block << " twice";
    EXPECT_EQ(blocks.refCount(*block), 1);
  }
  EXPECT_EQ(blocks.numFreeBlocks(), 0);
  EXPECT_FALSE(blocks.canAllocate(1));
  StatusOr<int32_t> none = blocks.allocate();
  ASSERT_FALSE(none.isOk());
  EXPECT_NE(none.status().message().find("out of blocks"), std::string::npos);
}

TEST(BlockManager, FreesBlockWhenLastReferenceDrops) {
  BlockManager blocks = makeManager(2);
  int32_t block = *blocks.allocate();
  ASSERT_TRUE(blocks.retain(block).isOk());
  EXPECT_EQ(blocks.refCount(block), 2);
  ASSERT_TRUE(blocks.release(block).isOk());
  EXPECT_EQ(blocks.refCount(block), 1);
  EXPECT_EQ(blocks.numFreeBlocks(), 1) << "still held by one owner";
  ASSERT_TRUE(blocks.release(block).isOk());
  EXPECT_EQ(blocks.refCount(block), 0);
  EXPECT_EQ(blocks.numFreeBlocks(), 2);
}

TEST(BlockManager, RejectsReleaseOrRetainOfFreeBlock) {
  BlockManager blocks = makeManager(2);
  Status release = blocks.release(1);
  ASSERT_FALSE(release.isOk());
  EXPECT_NE(release.message().find("block 1"), std::string::npos);
  EXPECT_FALSE(blocks.retain(0).isOk());
  EXPECT_FALSE(blocks.release(7).isOk()) << "out of range";
  EXPECT_EQ(blocks.numFreeBlocks(), 2);
}

TEST(BlockManager, GrowsSlotOnlyByTheBlocksNewPositionsNeed) {
  BlockManager blocks = makeManager(8, /*blockSize=*/4);
  ASSERT_TRUE(blocks.growTo(1, 3).isOk());
  EXPECT_EQ(blocks.blocksOf(1).size(), 1u);
  ASSERT_TRUE(blocks.growTo(1, 4).isOk());
  EXPECT_EQ(blocks.blocksOf(1).size(), 1u) << "position 3 is in block 0";
  ASSERT_TRUE(blocks.growTo(1, 5).isOk());
  EXPECT_EQ(blocks.blocksOf(1).size(), 2u);
  ASSERT_TRUE(blocks.growTo(1, 2).isOk()) << "shrinking is a no-op";
  EXPECT_EQ(blocks.blocksOf(1).size(), 2u);
  EXPECT_EQ(blocks.numFreeBlocks(), 6);
}

TEST(BlockManager, GrowIsAllOrNothingWhenThePoolIsShort) {
  BlockManager blocks = makeManager(3, /*blockSize=*/4);
  ASSERT_TRUE(blocks.growTo(0, 8).isOk());
  Status grow = blocks.growTo(1, 9); // needs 3 blocks, 1 free
  ASSERT_FALSE(grow.isOk());
  EXPECT_NE(grow.message().find("needs 3 more blocks, only 1 are free"),
            std::string::npos)
      << grow.message();
  EXPECT_TRUE(blocks.blocksOf(1).empty());
  EXPECT_EQ(blocks.numFreeBlocks(), 1);
}

TEST(BlockManager, GrowBeyondTheTableRowFails) {
  BlockManager blocks = makeManager(16, /*blockSize=*/4, /*maxSlots=*/2,
                                    /*maxBlocksPerSeq=*/2);
  Status grow = blocks.growTo(0, 9);
  ASSERT_FALSE(grow.isOk());
  EXPECT_NE(grow.message().find("2 per sequence"), std::string::npos)
      << grow.message();
  EXPECT_FALSE(blocks.growTo(2, 1).isOk()) << "slot out of range";
  EXPECT_EQ(blocks.numFreeBlocks(), 16);
}

TEST(BlockManager, TableRowsMirrorBlockListsWithMinusOneForUnused) {
  BlockManager blocks = makeManager(8, /*blockSize=*/4, /*maxSlots=*/2,
                                    /*maxBlocksPerSeq=*/3);
  ASSERT_TRUE(blocks.growTo(0, 5).isOk());
  ASSERT_TRUE(blocks.growTo(1, 1).isOk());
  const std::vector<int32_t> &row0 = blocks.blocksOf(0);
  ASSERT_EQ(row0.size(), 2u);
  EXPECT_EQ(blocks.tableEntry(0, 0), row0[0]);
  EXPECT_EQ(blocks.tableEntry(0, 1), row0[1]);
  EXPECT_EQ(blocks.tableEntry(0, 2), -1);
  EXPECT_EQ(blocks.tableEntry(1, 0), blocks.blocksOf(1)[0]);
  EXPECT_EQ(blocks.table().size(), 6u);
  EXPECT_EQ(blocks.table()[1 * 3 + 1], -1);
}

TEST(BlockManager, TableChangesListEachEntryOnceWithItsLatestValue) {
  BlockManager blocks = makeManager(8, /*blockSize=*/4, /*maxSlots=*/2,
                                    /*maxBlocksPerSeq=*/3);
  ASSERT_TRUE(blocks.growTo(1, 8).isOk());
  ASSERT_TRUE(blocks.growTo(0, 1).isOk());
  std::vector<BlockTableChange> changes = blocks.takeTableChanges();
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].slot, 0) << "ordered by (slot, index)";
  EXPECT_EQ(changes[0].block, blocks.tableEntry(0, 0));
  EXPECT_EQ(changes[1].slot, 1);
  EXPECT_EQ(changes[1].index, 0);
  EXPECT_EQ(changes[2].index, 1);
  EXPECT_FALSE(blocks.hasTableChanges());
  EXPECT_TRUE(blocks.takeTableChanges().empty());

  // Freed and given to another slot before the next copy: one change per
  // entry, with the final value.
  ASSERT_TRUE(blocks.freeSlot(0).isOk());
  ASSERT_TRUE(blocks.freeSlot(1).isOk());
  ASSERT_TRUE(blocks.growTo(0, 1).isOk());
  changes = blocks.takeTableChanges();
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].slot, 0);
  EXPECT_EQ(changes[0].index, 0);
  EXPECT_GE(changes[0].block, 0);
  EXPECT_EQ(changes[1].block, -1);
  EXPECT_EQ(changes[2].block, -1);
}

TEST(BlockManager, FreeSlotReturnsItsBlocksAndClearsItsRow) {
  BlockManager blocks = makeManager(4, /*blockSize=*/2, /*maxSlots=*/2,
                                    /*maxBlocksPerSeq=*/4);
  ASSERT_TRUE(blocks.growTo(0, 8).isOk());
  EXPECT_EQ(blocks.numFreeBlocks(), 0);
  ASSERT_TRUE(blocks.freeSlot(0).isOk());
  EXPECT_EQ(blocks.numFreeBlocks(), 4);
  EXPECT_TRUE(blocks.blocksOf(0).empty());
  for (int32_t index = 0; index < 4; ++index)
    EXPECT_EQ(blocks.tableEntry(0, index), -1);
  ASSERT_TRUE(blocks.growTo(1, 8).isOk()) << "the whole pool is usable again";
}

TEST(BlockManager, SharedBlockOutlivesTheFirstSlotFreed) {
  BlockManager blocks = makeManager(4, /*blockSize=*/4, /*maxSlots=*/2,
                                    /*maxBlocksPerSeq=*/2);
  ASSERT_TRUE(blocks.growTo(0, 4).isOk());
  const int32_t prefix = blocks.blocksOf(0)[0];
  ASSERT_TRUE(blocks.appendShared(1, prefix).isOk());
  EXPECT_EQ(blocks.refCount(prefix), 2);
  EXPECT_EQ(blocks.tableEntry(1, 0), prefix);
  ASSERT_TRUE(blocks.freeSlot(0).isOk());
  EXPECT_EQ(blocks.refCount(prefix), 1);
  EXPECT_EQ(blocks.numFreeBlocks(), 3) << "slot 1 still reads the prefix";
  ASSERT_TRUE(blocks.freeSlot(1).isOk());
  EXPECT_EQ(blocks.numFreeBlocks(), 4);
  EXPECT_FALSE(blocks.appendShared(1, prefix).isOk()) << "sharing a free block";
}
