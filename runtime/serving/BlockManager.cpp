// The KV-cache block pool: free list, reference counts, per-slot block lists
// and the host mirror of the device block table.
#include "runtime/serving/BlockManager.h"

#include <algorithm>
#include <cassert>
#include <string>

namespace llmc::serving {

Status BlockManager::Params::validate() const {
  auto positive = [](const char *name, int32_t value) {
    if (value > 0)
      return Status::ok();
    return Status::error("block manager parameter " + std::string(name) +
                         " must be positive, got " + std::to_string(value));
  };
  LLMC_RETURN_IF_ERROR(positive("num_blocks", numBlocks));
  LLMC_RETURN_IF_ERROR(positive("block_size", blockSize));
  LLMC_RETURN_IF_ERROR(positive("max_slots", maxSlots));
  return positive("max_blocks_per_seq", maxBlocksPerSeq);
}

StatusOr<BlockManager> BlockManager::create(const Params &params) {
  LLMC_RETURN_IF_ERROR(params.validate());
  return BlockManager(params);
}

BlockManager::BlockManager(const Params &params)
    : params_(params), refCounts_(size_t(params.numBlocks), 0),
      slotBlocks_(size_t(params.maxSlots)),
      table_(size_t(params.maxSlots) * size_t(params.maxBlocksPerSeq), -1),
      entryChanged_(table_.size(), false), cache_(params.numBlocks) {
  // Stacked in reverse so that a fresh pool hands out 0, 1, 2, ...
  freeBlocks_.reserve(size_t(params.numBlocks));
  for (int32_t block = params.numBlocks - 1; block >= 0; --block)
    freeBlocks_.push_back(block);
}

int32_t BlockManager::takeFree() {
  int32_t block;
  if (!freeBlocks_.empty()) {
    block = freeBlocks_.back();
    freeBlocks_.pop_back();
  } else {
    block = *cache_.evictOldest();
  }
  refCounts_[size_t(block)] = 1;
  return block;
}

bool BlockManager::canAllocate(int32_t count) const {
  return count <= numFreeBlocks();
}

int32_t BlockManager::blocksFor(int32_t positions) const {
  return (positions + params_.blockSize - 1) / params_.blockSize;
}

int32_t BlockManager::refCount(int32_t block) const {
  assert(block >= 0 && block < params_.numBlocks && "block id out of range");
  return refCounts_[size_t(block)];
}

Status BlockManager::checkSlot(int32_t slot) const {
  if (slot >= 0 && slot < params_.maxSlots)
    return Status::ok();
  return Status::error("slot " + std::to_string(slot) + " is outside [0, " +
                       std::to_string(params_.maxSlots) + ")");
}

Status BlockManager::checkBlock(int32_t block) const {
  if (block >= 0 && block < params_.numBlocks)
    return Status::ok();
  return Status::error("block " + std::to_string(block) + " is outside [0, " +
                       std::to_string(params_.numBlocks) + ")");
}

StatusOr<int32_t> BlockManager::allocate() {
  if (numFreeBlocks() == 0)
    return Status::error("the KV cache is out of blocks: all " +
                         std::to_string(params_.numBlocks) + " are in use");
  return takeFree();
}

Status BlockManager::retain(int32_t block) {
  LLMC_RETURN_IF_ERROR(checkBlock(block));
  if (refCounts_[size_t(block)] == 0)
    return Status::error("cannot retain block " + std::to_string(block) +
                         ": it is free");
  ++refCounts_[size_t(block)];
  return Status::ok();
}

Status BlockManager::release(int32_t block) {
  LLMC_RETURN_IF_ERROR(checkBlock(block));
  if (refCounts_[size_t(block)] == 0)
    return Status::error("cannot release block " + std::to_string(block) +
                         ": it is already free");
  if (--refCounts_[size_t(block)] == 0) {
    if (cache_.isKeyed(block))
      cache_.park(block);
    else
      freeBlocks_.push_back(block);
  }
  return Status::ok();
}

const std::vector<int32_t> &BlockManager::blocksOf(int32_t slot) const {
  assert(slot >= 0 && slot < params_.maxSlots && "slot out of range");
  return slotBlocks_[size_t(slot)];
}

Status BlockManager::growTo(int32_t slot, int32_t positions) {
  LLMC_RETURN_IF_ERROR(checkSlot(slot));
  std::vector<int32_t> &blocks = slotBlocks_[size_t(slot)];
  const int32_t wanted = blocksFor(positions);
  if (wanted > params_.maxBlocksPerSeq)
    return Status::error(
        "slot " + std::to_string(slot) + " needs " + std::to_string(wanted) +
        " blocks for " + std::to_string(positions) +
        " positions, more than the block table's " +
        std::to_string(params_.maxBlocksPerSeq) + " per sequence");
  const int32_t missing = wanted - int32_t(blocks.size());
  if (missing <= 0)
    return Status::ok();
  if (!canAllocate(missing))
    return Status::error("slot " + std::to_string(slot) + " needs " +
                         std::to_string(missing) + " more blocks, only " +
                         std::to_string(numFreeBlocks()) + " are free");
  for (int32_t i = 0; i < missing; ++i) {
    const int32_t block = takeFree();
    setEntry(slot, int32_t(blocks.size()), block);
    blocks.push_back(block);
  }
  return Status::ok();
}

Status BlockManager::appendShared(int32_t slot, int32_t block) {
  LLMC_RETURN_IF_ERROR(checkSlot(slot));
  std::vector<int32_t> &blocks = slotBlocks_[size_t(slot)];
  if (int32_t(blocks.size()) >= params_.maxBlocksPerSeq)
    return Status::error(
        "slot " + std::to_string(slot) + " already holds the block table's " +
        std::to_string(params_.maxBlocksPerSeq) + " blocks per sequence");
  LLMC_RETURN_IF_ERROR(retain(block));
  setEntry(slot, int32_t(blocks.size()), block);
  blocks.push_back(block);
  return Status::ok();
}

Status BlockManager::freeSlot(int32_t slot) {
  LLMC_RETURN_IF_ERROR(checkSlot(slot));
  std::vector<int32_t> &blocks = slotBlocks_[size_t(slot)];
  // Released last to first, so the stack hands them out again in order.
  for (int32_t index = int32_t(blocks.size()) - 1; index >= 0; --index) {
    LLMC_RETURN_IF_ERROR(release(blocks[size_t(index)]));
    setEntry(slot, index, -1);
  }
  blocks.clear();
  return Status::ok();
}

std::vector<int32_t>
BlockManager::lookupPrefix(const std::vector<int32_t> &tokens,
                           int32_t maxBlocks) const {
  std::vector<int32_t> found;
  if (!params_.prefixCaching)
    return found;
  const int32_t size = params_.blockSize;
  const int32_t full =
      std::min<int32_t>(maxBlocks, int32_t(tokens.size()) / size);
  uint64_t key = PrefixCache::kNoParent;
  for (int32_t i = 0; i < full; ++i) {
    key = PrefixCache::chainKey(key, tokens.data() + size_t(i) * size_t(size),
                                size);
    std::optional<int32_t> block = cache_.find(key);
    if (!block)
      break;
    found.push_back(*block);
  }
  return found;
}

Status BlockManager::appendCached(int32_t slot, int32_t block) {
  LLMC_RETURN_IF_ERROR(checkSlot(slot));
  LLMC_RETURN_IF_ERROR(checkBlock(block));
  if (!cache_.isKeyed(block))
    return Status::error("block " + std::to_string(block) +
                         " holds no cached prefix");
  std::vector<int32_t> &blocks = slotBlocks_[size_t(slot)];
  if (int32_t(blocks.size()) >= params_.maxBlocksPerSeq)
    return Status::error(
        "slot " + std::to_string(slot) + " already holds the block table's " +
        std::to_string(params_.maxBlocksPerSeq) + " blocks per sequence");
  if (cache_.isParked(block)) {
    // Free but cached: it gets its first owner again.
    cache_.unpark(block);
    refCounts_[size_t(block)] = 1;
  } else {
    ++refCounts_[size_t(block)];
  }
  setEntry(slot, int32_t(blocks.size()), block);
  blocks.push_back(block);
  return Status::ok();
}

void BlockManager::cacheFullBlocks(int32_t slot,
                                   const std::vector<int32_t> &tokens,
                                   int32_t positions) {
  if (!params_.prefixCaching)
    return;
  const std::vector<int32_t> &blocks = blocksOf(slot);
  const int32_t size = params_.blockSize;
  const int32_t full = std::min<int32_t>(positions, int32_t(tokens.size()));
  uint64_t key = PrefixCache::kNoParent;
  for (int32_t i = 0; i < full / size && i < int32_t(blocks.size()); ++i) {
    key = PrefixCache::chainKey(key, tokens.data() + size_t(i) * size_t(size),
                                size);
    cache_.insert(blocks[size_t(i)], key);
  }
}

int32_t BlockManager::tableEntry(int32_t slot, int32_t index) const {
  assert(slot >= 0 && slot < params_.maxSlots && "slot out of range");
  assert(index >= 0 && index < params_.maxBlocksPerSeq && "index out of range");
  return table_[size_t(slot) * size_t(params_.maxBlocksPerSeq) + size_t(index)];
}

void BlockManager::setEntry(int32_t slot, int32_t index, int32_t block) {
  const size_t flat =
      size_t(slot) * size_t(params_.maxBlocksPerSeq) + size_t(index);
  table_[flat] = block;
  if (!entryChanged_[flat]) {
    entryChanged_[flat] = true;
    changedEntries_.push_back(int32_t(flat));
  }
}

std::vector<BlockTableChange> BlockManager::takeTableChanges() {
  std::sort(changedEntries_.begin(), changedEntries_.end());
  std::vector<BlockTableChange> changes;
  changes.reserve(changedEntries_.size());
  for (int32_t flat : changedEntries_) {
    entryChanged_[size_t(flat)] = false;
    changes.push_back({flat / params_.maxBlocksPerSeq,
                       flat % params_.maxBlocksPerSeq, table_[size_t(flat)]});
  }
  changedEntries_.clear();
  return changes;
}

} // namespace llmc::serving
