// PackedLayout: how the runtime packs several small device arrays into one
// allocation (the slot arrays, the prefill inputs): one after another, each
// starting at a 256-byte boundary, the alignment a buffer of its own would
// get from cuMemAlloc.
#pragma once

#include <cstdint>

namespace llmc::gpu {

/// `value` rounded up to a multiple of `alignment`.
inline uint64_t alignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

class PackedLayout {
public:
  static constexpr uint64_t kAlignment = 256;

  /// Reserves `bytes` after what is reserved so far; returns their offset.
  uint64_t add(uint64_t bytes) {
    const uint64_t offset = size_;
    size_ = alignUp(size_ + bytes, kAlignment);
    return offset;
  }
  /// Bytes of the whole buffer.
  uint64_t bytes() const { return size_; }

private:
  uint64_t size_ = 0;
};

} // namespace llmc::gpu
