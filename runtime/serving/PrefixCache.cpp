// The prefix index of the KV blocks and its LRU list of parked blocks.
#include "runtime/serving/PrefixCache.h"

#include <cassert>

namespace llmc::serving {

PrefixCache::PrefixCache(int32_t numBlocks)
    : keys_(size_t(numBlocks)), lruPosition_(size_t(numBlocks)),
      parked_(size_t(numBlocks), false) {}

static uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t PrefixCache::chainKey(uint64_t parent, const int32_t *tokens,
                               int32_t n) {
  uint64_t h = mix(parent ^ 0x9e3779b97f4a7c15ULL);
  for (int32_t i = 0; i < n; ++i)
    h = mix(h ^ (uint64_t(uint32_t(tokens[i])) + 0x100000000ULL * uint64_t(i)));
  return h;
}

std::optional<int32_t> PrefixCache::find(uint64_t key) const {
  auto it = blocks_.find(key);
  if (it == blocks_.end())
    return std::nullopt;
  return it->second;
}

bool PrefixCache::insert(int32_t block, uint64_t key) {
  if (isKeyed(block) || blocks_.count(key))
    return false;
  keys_[size_t(block)] = key;
  blocks_.emplace(key, block);
  return true;
}

void PrefixCache::park(int32_t block) {
  assert(isKeyed(block) && !isParked(block) && "only held keyed blocks park");
  lruPosition_[size_t(block)] = lru_.insert(lru_.end(), block);
  parked_[size_t(block)] = true;
}

void PrefixCache::unpark(int32_t block) {
  assert(isParked(block) && "the block is not parked");
  lru_.erase(lruPosition_[size_t(block)]);
  parked_[size_t(block)] = false;
}

std::optional<int32_t> PrefixCache::evictOldest() {
  if (lru_.empty())
    return std::nullopt;
  const int32_t block = lru_.front();
  lru_.pop_front();
  parked_[size_t(block)] = false;
  blocks_.erase(*keys_[size_t(block)]);
  keys_[size_t(block)].reset();
  return block;
}

} // namespace llmc::serving
