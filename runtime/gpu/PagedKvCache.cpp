#include "runtime/gpu/PagedKvCache.h"

#include "runtime/cuda/DeviceProperties.h"

#include <algorithm>

namespace llmc::gpu {

StatusOr<PagedKvCache>
PagedKvCache::allocateTables(const cuda::CudaDriver &driver,
                             const KvCacheSpec &spec, int64_t slots) {
  PagedKvCache cache;
  cache.spec_ = spec;
  cache.slots_ = slots;
  std::vector<int32_t> unmapped(size_t(slots * spec.maxBlocksPerSeq), -1);
  LLMC_ASSIGN_OR_RETURN(
      cache.tables_, cuda::DeviceBuffer::allocate(driver, unmapped.size() * 4));
  LLMC_RETURN_IF_ERROR(
      cache.tables_.copyFromHost(unmapped.data(), unmapped.size() * 4));
  return cache;
}

Status PagedKvCache::allocatePools(const cuda::CudaDriver &driver,
                                   double memoryFraction, int64_t maxBlocks) {
  LLMC_ASSIGN_OR_RETURN(cuda::DeviceMemoryInfo memory,
                        cuda::queryMemoryInfo(driver));
  const double budget = memoryFraction * double(memory.totalBytes);
  const double used = double(memory.totalBytes - memory.freeBytes);
  const uint64_t perBlock = 2 * uint64_t(spec_.numLayers) * spec_.blockBytes();
  int64_t blocks =
      budget > used ? int64_t((budget - used) / double(perBlock)) : 0;
  // More than every slot at full context can never be used.
  blocks = std::min(blocks, slots_ * spec_.maxBlocksPerSeq);
  if (maxBlocks > 0)
    blocks = std::min(blocks, maxBlocks);
  if (blocks < 1)
    return Status::error(
        "no device memory is left for the KV cache: the weights and buffers "
        "take " +
        std::to_string(uint64_t(used) >> 20) + " MiB of the " +
        std::to_string(uint64_t(budget) >> 20) +
        " MiB allowed (raise --gpu-memory-fraction)");
  numBlocks_ = blocks;
  const uint64_t poolBytes =
      uint64_t(blocks) * uint64_t(spec_.numLayers) * spec_.blockBytes();
  LLMC_ASSIGN_OR_RETURN(keyPool_,
                        cuda::DeviceBuffer::allocate(driver, poolBytes));
  LLMC_ASSIGN_OR_RETURN(valuePool_,
                        cuda::DeviceBuffer::allocate(driver, poolBytes));
  LLMC_RETURN_IF_ERROR(keyPool_.fill(0));
  LLMC_RETURN_IF_ERROR(valuePool_.fill(0));
  return Status::ok();
}

Status PagedKvCache::update(
    StepQueue &queue,
    const std::vector<serving::BlockTableChange> &changes) const {
  const int64_t perSeq = spec_.maxBlocksPerSeq;
  for (const serving::BlockTableChange &e : changes) {
    if (e.slot < 0 || e.slot >= slots_ || e.index < 0 || e.index >= perSeq ||
        e.block >= numBlocks_)
      return Status::error("block-table entry (slot " + std::to_string(e.slot) +
                           ", index " + std::to_string(e.index) + ", block " +
                           std::to_string(e.block) + ") is out of range");
    LLMC_RETURN_IF_ERROR(queue.setWord(
        blockTables() + 4 * uint64_t(e.slot * perSeq + e.index), e.block));
  }
  return Status::ok();
}

} // namespace llmc::gpu
