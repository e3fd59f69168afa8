// PagedKvCache: the paged KV cache on the device: the K and V pools of
// fixed-size blocks (every layer's blocks side by side in one pool) and the
// block tables that map each slot's logical blocks to pool blocks. The
// scheduler's BlockManager owns the mapping; this class only applies its
// changes, each a 4-byte memset queued before the step that reads it.
//
// It is made in two steps because the pools take whatever device memory is
// left: the block tables are allocated with the other small buffers, the
// pools last, once everything else has its memory.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/DeviceBuffer.h"
#include "runtime/engine/Manifest.h"
#include "runtime/gpu/StepQueue.h"
#include "runtime/serving/BlockManager.h"

#include <cstdint>
#include <vector>

namespace llmc::gpu {

class PagedKvCache {
public:
  /// The block tables of `slots` slots, every entry unmapped; no pools yet.
  static StatusOr<PagedKvCache> allocateTables(const cuda::CudaDriver &driver,
                                               const KvCacheSpec &spec,
                                               int64_t slots);
  PagedKvCache() = default;

  /// Allocates the pools: as many blocks as `memoryFraction` of the device's
  /// memory leaves beside what is allocated already, at most what every
  /// slot at full context can use and (when > 0) `maxBlocks`.
  Status allocatePools(const cuda::CudaDriver &driver, double memoryFraction,
                       int64_t maxBlocks);

  /// Bytes of the block tables (one int32 per slot and logical block).
  uint64_t tableBytes() const { return tables_.size(); }
  int64_t numBlocks() const { return numBlocks_; }
  uint64_t poolBytes() const { return keyPool_.size() + valuePool_.size(); }
  CUdeviceptr blockTables() const { return tables_.pointer(); }
  CUdeviceptr keyPool() const { return keyPool_.pointer(); }
  CUdeviceptr valuePool() const { return valuePool_.pointer(); }
  /// Bytes between one layer's blocks and the next layer's in a pool.
  uint64_t layerStride() const {
    return uint64_t(numBlocks_) * spec_.blockBytes();
  }

  /// Queues the block-table changes, refusing an entry out of range.
  Status update(StepQueue &queue,
                const std::vector<serving::BlockTableChange> &changes) const;

private:
  KvCacheSpec spec_;
  int64_t slots_ = 0;
  int64_t numBlocks_ = 0;
  cuda::DeviceBuffer tables_, keyPool_, valuePool_;
};

} // namespace llmc::gpu
