// BlockManager: the host-side owner of the paged KV cache's blocks.
//
// The device pool holds `numBlocks` blocks of `blockSize` positions; which
// blocks a sequence uses is its row of the device block table
// (int32 [maxSlots, maxBlocksPerSeq], -1 unused; compiler/kernels/README.md).
// This class decides which blocks are free (a free list), who holds them
// (per-block reference counts, so a block can be shared by several sequences),
// and keeps a host mirror of the block table together with the entries that
// changed since the executor last copied them to the device.
//
// With prefix caching on, full blocks can be indexed by the prefix they hold
// (PrefixCache.h): a new sequence starts with every cached block of its
// prefix, shared copy-free by reference count, and a keyed block that drops
// its last owner stays cached (parked, counted as free) until the pool needs
// it, least recently used first.
//
// A sequence is identified by its slot: a request keeps one slot from
// admission to finish, and row `slot` of the table is its block list.
#pragma once

#include "runtime/Status.h"
#include "runtime/serving/PrefixCache.h"

#include <cstdint>
#include <vector>

namespace llmc::serving {

/// One block-table entry the executor must write: table[slot][index] = block.
struct BlockTableChange {
  int32_t slot = 0;
  int32_t index = 0;
  int32_t block = -1; ///< -1: the entry is unused
};

class BlockManager {
public:
  struct Params {
    int32_t numBlocks = 0;       ///< blocks in the device pool
    int32_t blockSize = 0;       ///< positions per block
    int32_t maxSlots = 0;        ///< rows of the block table
    int32_t maxBlocksPerSeq = 0; ///< columns of the block table
    bool prefixCaching = false;  ///< index full blocks by their prefix

    /// Every field must be positive.
    Status validate() const;
  };

  static StatusOr<BlockManager> create(const Params &params);

  const Params &params() const { return params_; }
  /// Free blocks, cached ones (parked) included.
  int32_t numFreeBlocks() const {
    return int32_t(freeBlocks_.size()) + cache_.numParked();
  }
  /// Free blocks that still hold a cached prefix.
  int32_t numCachedBlocks() const { return cache_.numParked(); }
  bool canAllocate(int32_t count) const;
  /// Blocks needed to hold positions [0, positions).
  int32_t blocksFor(int32_t positions) const;
  /// Owners of `block` (0: free). `block` must be a valid block id.
  int32_t refCount(int32_t block) const;

  /// Takes a free block with one reference.
  StatusOr<int32_t> allocate();
  /// Adds an owner to an allocated block (sharing, e.g. a common prefix).
  Status retain(int32_t block);
  /// Drops one owner; the block returns to the free list with the last one.
  Status release(int32_t block);

  /// The blocks of `slot`'s sequence, in position order.
  const std::vector<int32_t> &blocksOf(int32_t slot) const;
  /// Allocates blocks so that positions [0, positions) of `slot` have one.
  /// All or nothing: when the pool or the table row is too small, nothing
  /// changes and the error says how many blocks were missing.
  Status growTo(int32_t slot, int32_t positions);
  /// Appends an already allocated block to `slot`'s sequence, retaining it.
  Status appendShared(int32_t slot, int32_t block);
  /// Releases every block of `slot` and clears its table row.
  Status freeSlot(int32_t slot);

  /// Prefix caching: the cached blocks holding tokens[0, n * blockSize) for
  /// the largest n <= maxBlocks (empty when caching is off).
  std::vector<int32_t> lookupPrefix(const std::vector<int32_t> &tokens,
                                    int32_t maxBlocks) const;
  /// Appends cached `block` to `slot`'s sequence, retaining it (a parked
  /// block leaves the LRU list).
  Status appendCached(int32_t slot, int32_t block);
  /// Indexes the full blocks of `slot` that hold positions [0, positions)
  /// of `tokens` (the slot's sequence from position 0); their KV must be
  /// written, or be written by work queued before any later reader's. No-op
  /// when caching is off.
  void cacheFullBlocks(int32_t slot, const std::vector<int32_t> &tokens,
                       int32_t positions);

  /// table()[slot * maxBlocksPerSeq + index]; -1 unused.
  const std::vector<int32_t> &table() const { return table_; }
  int32_t tableEntry(int32_t slot, int32_t index) const;
  /// The entries changed since the last call, each once with its current
  /// value, ordered by (slot, index); clears the list.
  std::vector<BlockTableChange> takeTableChanges();
  bool hasTableChanges() const { return !changedEntries_.empty(); }

private:
  explicit BlockManager(const Params &params);
  Status checkSlot(int32_t slot) const;
  Status checkBlock(int32_t block) const;
  void setEntry(int32_t slot, int32_t index, int32_t block);
  /// A free block with one reference: a never-keyed one first, else the
  /// least recently used cached one (its key forgotten).
  int32_t takeFree();

  Params params_;
  std::vector<int32_t> freeBlocks_; // a stack: the top is handed out next
  std::vector<int32_t> refCounts_;  // [numBlocks]
  std::vector<std::vector<int32_t>> slotBlocks_; // [maxSlots]
  std::vector<int32_t> table_;                   // [maxSlots * maxBlocksPerSeq]
  std::vector<int32_t> changedEntries_;          // flat indices into table_
  std::vector<bool> entryChanged_;               // [maxSlots * maxBlocksPerSeq]
  PrefixCache cache_;
};

} // namespace llmc::serving
