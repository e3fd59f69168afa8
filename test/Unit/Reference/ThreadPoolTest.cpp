// A user's thread count resolves to what the machine can run: 0 means every
// hardware thread, more than the hardware is clamped with a warning, and a
// negative or absurd count is refused.
#include "runtime/reference/ThreadPool.h"

#include <gtest/gtest.h>

using namespace llmc;

TEST(ResolveThreadCount, ZeroMeansEveryHardwareThread) {
  auto count = ref::resolveThreadCount(0, 8);
  ASSERT_TRUE(count.isOk());
  EXPECT_EQ(count->threads, 8u);
  EXPECT_EQ(count->warning, "");
}

TEST(ResolveThreadCount, ClampsToTheHardwareWithAWarning) {
  auto count = ref::resolveThreadCount(200, 2);
  ASSERT_TRUE(count.isOk());
  EXPECT_EQ(count->threads, 2u);
  EXPECT_NE(count->warning.find("--threads 200 exceeds the 2 hardware "
                                "threads; using 2"),
            std::string::npos)
      << count->warning;
}

TEST(ResolveThreadCount, RefusesNegativeAndAbsurdCounts) {
  auto huge = ref::resolveThreadCount(1000000, 2);
  ASSERT_FALSE(huge.isOk());
  EXPECT_EQ(huge.status().message(),
            "--threads 1000000 exceeds the limit of 256 threads");
  EXPECT_FALSE(ref::resolveThreadCount(-1, 2).isOk());
}
