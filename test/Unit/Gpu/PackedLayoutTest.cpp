// PackedLayout: the slot arrays and the prefill inputs each share one device
// buffer; every array must start where a buffer of its own would (a 256-byte
// boundary), and the buffer must hold the last array whole.
#include "runtime/gpu/PackedLayout.h"

#include <gtest/gtest.h>

namespace llmc::gpu {
namespace {

TEST(PackedLayout, StartsEveryArrayOnA256ByteBoundary) {
  PackedLayout layout;
  EXPECT_EQ(layout.add(4), 0u);
  EXPECT_EQ(layout.add(1000), 256u);
  EXPECT_EQ(layout.add(256), 1280u);
  EXPECT_EQ(layout.add(8), 1536u);
  EXPECT_EQ(layout.bytes(), 1792u);
}

TEST(AlignUp, RoundsUpToTheNextMultiple) {
  EXPECT_EQ(alignUp(0, 16), 0u);
  EXPECT_EQ(alignUp(1, 16), 16u);
  EXPECT_EQ(alignUp(16, 16), 16u);
  EXPECT_EQ(alignUp(17, 16), 32u);
}

} // namespace
} // namespace llmc::gpu
