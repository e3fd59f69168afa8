// PrefixCache: the index of KV blocks that hold a known prefix, so requests
// that start with the same tokens share those blocks instead of recomputing
// them (BlockManager does the sharing; the Scheduler decides when a block is
// full and may be indexed).
//
// A full block is keyed by a hash of its tokens chained with the key of the
// block before it, so a key names the whole prefix up to the block's end.
// Keyed blocks that no sequence holds any more stay in the index, parked on
// an LRU list; when the pool runs out of never-keyed free blocks, the least
// recently parked one is evicted (its key forgotten) and reused.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

namespace llmc::serving {

class PrefixCache {
public:
  explicit PrefixCache(int32_t numBlocks);

  /// The key of a block holding tokens[0, n) after the prefix keyed
  /// `parent` (kNoParent for the first block).
  static uint64_t chainKey(uint64_t parent, const int32_t *tokens, int32_t n);
  static constexpr uint64_t kNoParent = 0x6a09e667f3bcc908ULL;

  /// The block holding the prefix keyed `key`, if indexed.
  std::optional<int32_t> find(uint64_t key) const;
  bool isKeyed(int32_t block) const { return keys_[size_t(block)].has_value(); }
  /// Indexes `block` under `key`; false (nothing changes) when the block is
  /// keyed already or another block holds that prefix.
  bool insert(int32_t block, uint64_t key);

  /// A keyed block no sequence holds: parked as the most recently used.
  void park(int32_t block);
  /// A parked block is held again.
  void unpark(int32_t block);
  bool isParked(int32_t block) const { return parked_[size_t(block)]; }
  /// Forgets the least recently parked block and returns it; none when
  /// nothing is parked.
  std::optional<int32_t> evictOldest();
  int32_t numParked() const { return int32_t(lru_.size()); }

private:
  std::vector<std::optional<uint64_t>> keys_; // [numBlocks]
  std::unordered_map<uint64_t, int32_t> blocks_;
  std::list<int32_t> lru_; // parked blocks, least recent first
  std::vector<std::list<int32_t>::iterator> lruPosition_; // [numBlocks]
  std::vector<bool> parked_;                              // [numBlocks]
};

} // namespace llmc::serving
