// Tests of the per-request metric arithmetic (TTFT, TPOT, ITL, E2E).
#include "runtime/metrics/RequestMetrics.h"

#include <gtest/gtest.h>

using namespace llmc;
using std::chrono::milliseconds;

TEST(RequestMetrics, EmptyRequestHasZeroMetrics) {
  RequestMetrics m = RequestMetrics::fromTimestamps(Clock::now(), {});
  EXPECT_EQ(m.outputTokens, 0);
  EXPECT_EQ(m.ttftSeconds, 0);
  EXPECT_EQ(m.tpotSeconds, 0);
  EXPECT_TRUE(m.itlSeconds.empty());
}

TEST(RequestMetrics, SingleTokenHasTtftButNoTpot) {
  Clock::time_point t0 = Clock::now();
  RequestMetrics m =
      RequestMetrics::fromTimestamps(t0, {t0 + milliseconds(40)});
  EXPECT_NEAR(m.ttftSeconds, 0.040, 1e-9);
  EXPECT_NEAR(m.e2eSeconds, 0.040, 1e-9);
  EXPECT_EQ(m.tpotSeconds, 0);
  EXPECT_EQ(m.decodeTokensPerSecond(), 0);
}

TEST(RequestMetrics, TpotIsDecodeTimeOverTokensAfterTheFirst) {
  Clock::time_point t0 = Clock::now();
  // First token at 100 ms, then gaps of 10, 20, 30 ms.
  RequestMetrics m = RequestMetrics::fromTimestamps(
      t0, {t0 + milliseconds(100), t0 + milliseconds(110),
           t0 + milliseconds(130), t0 + milliseconds(160)});
  EXPECT_NEAR(m.ttftSeconds, 0.100, 1e-9);
  EXPECT_NEAR(m.e2eSeconds, 0.160, 1e-9);
  EXPECT_NEAR(m.tpotSeconds, 0.020, 1e-9);
  ASSERT_EQ(m.itlSeconds.size(), 3u);
  EXPECT_NEAR(m.itlSeconds[2], 0.030, 1e-9);
  EXPECT_NEAR(m.decodeTokensPerSecond(), 50.0, 1e-6);
}
