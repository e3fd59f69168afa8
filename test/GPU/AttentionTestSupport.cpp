// Paged-attention test scenarios (see AttentionTestSupport.h).
#include "test/GPU/AttentionTestSupport.h"

#include "runtime/model/WeightStore.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace llmc::gputest {

namespace {
constexpr uint16_t kPoison = 0xFFFF; // a bf16 NaN
} // namespace

std::string AttentionShape::label() const {
  return std::to_string(heads) + "x" + std::to_string(kvHeads) + "x" +
         std::to_string(headDim) + "/bs" + std::to_string(blockSize);
}

std::size_t PagedHistory::layerOffset(int layer) const {
  return std::size_t(layer) * numBlocks * shape.kvHeads * shape.blockSize *
         shape.headDim;
}

PagedHistory makePagedHistory(const AttentionShape &shape,
                              const std::vector<int> &lengths, uint64_t seed) {
  PagedHistory h;
  h.shape = shape;
  h.numSlots = int(lengths.size());
  const int bs = shape.blockSize, hd = shape.headDim, kv = shape.kvHeads;
  int maxLength = 1, totalBlocks = 0;
  for (int length : lengths) {
    maxLength = std::max(maxLength, length);
    totalBlocks += (length + bs - 1) / bs;
  }
  // One spare table column and a few unowned blocks: neither may be read.
  h.maxBlocksPerSeq = (maxLength + bs - 1) / bs + 1;
  h.numBlocks = totalBlocks + 3;
  h.blockTables.assign(std::size_t(h.numSlots) * h.maxBlocksPerSeq, -1);
  const std::size_t poolSize =
      std::size_t(kTestLayers) * h.numBlocks * kv * bs * hd;
  h.kPool.assign(poolSize, kPoison);
  h.vPool.assign(poolSize, kPoison);

  std::vector<int> physical(std::size_t(h.numBlocks));
  std::iota(physical.begin(), physical.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(physical.begin(), physical.end(), rng);
  std::size_t nextBlock = 0;

  const int rowSize = kv * hd;
  for (int s = 0; s < h.numSlots; ++s) {
    const int length = lengths[std::size_t(s)];
    h.caches.emplace_back(kTestLayers, kv, hd, std::max(length, 1));
    for (int b = 0; b < (length + bs - 1) / bs; ++b)
      h.blockTables[std::size_t(s) * h.maxBlocksPerSeq + b] =
          physical[nextBlock++];
    if (length == 0)
      continue;
    std::vector<float> k = roundedToBf16(
        randomUniform(std::size_t(length) * rowSize, seed * 1000 + 2 * s));
    std::vector<float> v = roundedToBf16(
        randomUniform(std::size_t(length) * rowSize, seed * 1000 + 2 * s + 1));
    for (int p = 0; p < length; ++p) {
      const float *kRow = k.data() + std::size_t(p) * rowSize;
      const float *vRow = v.data() + std::size_t(p) * rowSize;
      h.caches.back().write(kTestLayer, p, kRow, vRow);
      const int block =
          h.blockTables[std::size_t(s) * h.maxBlocksPerSeq + p / bs];
      for (int head = 0; head < kv; ++head) {
        const std::size_t at =
            h.layerOffset(kTestLayer) +
            ((std::size_t(block) * kv + head) * bs + p % bs) * hd;
        for (int d = 0; d < hd; ++d) {
          h.kPool[at + d] = floatToBf16(kRow[head * hd + d]);
          h.vPool[at + d] = floatToBf16(vRow[head * hd + d]);
        }
      }
    }
  }
  return h;
}

std::vector<uint16_t> makeQueryRows(const AttentionShape &shape, int rows,
                                    uint64_t seed,
                                    std::vector<float> &compact) {
  const int qColumns = shape.heads * shape.headDim;
  compact = roundedToBf16(
      randomUniform(std::size_t(rows) * qColumns, seed, -2.0f, 2.0f));
  std::vector<uint16_t> bits(std::size_t(rows) * shape.qkvColumns(), kPoison);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < qColumns; ++c)
      bits[std::size_t(r) * shape.qkvColumns() + c] =
          floatToBf16(compact[std::size_t(r) * qColumns + c]);
  return bits;
}

bool allPoison(const std::vector<uint16_t> &bits, std::size_t begin,
               std::size_t end) {
  return std::all_of(bits.begin() + std::ptrdiff_t(begin),
                     bits.begin() + std::ptrdiff_t(end),
                     [](uint16_t b) { return b == kPoison; });
}

} // namespace llmc::gputest
