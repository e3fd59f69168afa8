// KvCache: contiguous per-layer key/value history of one sequence (CPU
// reference).
#include "runtime/reference/KvCache.h"

#include <cassert>
#include <cstring>

namespace llmc::ref {

KvCache::KvCache(int64_t numLayers, int64_t numKvHeads, int64_t headDim,
                 int64_t maxSeqLen)
    : numLayers_(numLayers), numKvHeads_(numKvHeads), headDim_(headDim),
      maxSeqLen_(maxSeqLen),
      k_(size_t(numLayers * maxSeqLen * numKvHeads * headDim), 0.0f),
      v_(k_.size(), 0.0f) {
  assert(numLayers > 0 && numKvHeads > 0 && headDim > 0 && maxSeqLen > 0);
}

size_t KvCache::offset(int64_t layer, int64_t position) const {
  assert(layer >= 0 && layer < numLayers_ && "layer out of range");
  assert(position >= 0 && position < maxSeqLen_ && "position out of range");
  return size_t((layer * maxSeqLen_ + position) * rowSize());
}

void KvCache::write(int64_t layer, int64_t position, const float *k,
                    const float *v) {
  size_t at = offset(layer, position);
  std::memcpy(k_.data() + at, k, size_t(rowSize()) * sizeof(float));
  std::memcpy(v_.data() + at, v, size_t(rowSize()) * sizeof(float));
}

const float *KvCache::k(int64_t layer, int64_t position) const {
  return k_.data() + offset(layer, position);
}

const float *KvCache::v(int64_t layer, int64_t position) const {
  return v_.data() + offset(layer, position);
}

} // namespace llmc::ref
