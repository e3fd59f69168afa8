// KvCache: the key/value history of one sequence for the CPU reference,
// contiguous per layer: k[layer][position][numKvHeads * headDim], same for v.
//
// The rows of one layer are contiguous in position (k(layer, p + 1) ==
// k(layer, p) + rowSize()); attention relies on it to walk the history.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace llmc::ref {

class KvCache {
public:
  KvCache(int64_t numLayers, int64_t numKvHeads, int64_t headDim,
          int64_t maxSeqLen);

  /// Stores k/v rows (numKvHeads * headDim floats each) of `layer` at
  /// `position`.
  void write(int64_t layer, int64_t position, const float *k, const float *v);

  const float *k(int64_t layer, int64_t position) const;
  const float *v(int64_t layer, int64_t position) const;

  int64_t numLayers() const { return numLayers_; }
  int64_t numKvHeads() const { return numKvHeads_; }
  int64_t headDim() const { return headDim_; }
  int64_t maxSeqLen() const { return maxSeqLen_; }
  int64_t rowSize() const { return numKvHeads_ * headDim_; }

private:
  size_t offset(int64_t layer, int64_t position) const;

  int64_t numLayers_, numKvHeads_, headDim_, maxSeqLen_;
  std::vector<float> k_, v_;
};

} // namespace llmc::ref
