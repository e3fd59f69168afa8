// Tests of the run-level latency summary and throughput: which requests feed
// which distribution, and the rates over wall time.
#include "runtime/metrics/LatencySummary.h"
#include "runtime/metrics/Throughput.h"

#include <gtest/gtest.h>

using namespace llmc;
using std::chrono::milliseconds;

namespace {

// Timestamps are whole milliseconds, so the seconds compare to 1e-9.
constexpr double kTolerance = 1e-9;

RequestMetrics request(std::vector<int> tokenMs) {
  Clock::time_point sent = Clock::now();
  std::vector<Clock::time_point> tokens;
  for (int ms : tokenMs)
    tokens.push_back(sent + milliseconds(ms));
  return RequestMetrics::fromTimestamps(sent, tokens);
}

} // namespace

TEST(LatencySummary, EmptyRunHasOnlyEmptyDistributions) {
  LatencySummary s = LatencySummary::of({});
  EXPECT_EQ(s.requests, 0);
  EXPECT_EQ(s.outputTokens, 0);
  EXPECT_TRUE(s.ttft.empty());
  EXPECT_TRUE(s.tpot.empty());
  EXPECT_TRUE(s.itl.empty());
  EXPECT_TRUE(s.e2e.empty());
}

TEST(LatencySummary, SingleTokenRequestHasNoTpotSample) {
  LatencySummary s = LatencySummary::of({request({40})});
  EXPECT_EQ(s.ttft.count, 1);
  EXPECT_NEAR(s.ttft.mean, 0.040, kTolerance);
  EXPECT_NEAR(s.e2e.mean, 0.040, kTolerance);
  EXPECT_TRUE(s.tpot.empty());
  EXPECT_TRUE(s.itl.empty());
}

TEST(LatencySummary, PoolsGapsAndSkipsRequestsWithoutTokens) {
  // A: tokens at 100, 110, 130 ms (TPOT 15 ms, gaps 10 and 20 ms);
  // B: one token at 50 ms; C: nothing streamed (cancelled before a token).
  LatencySummary s = LatencySummary::of(
      {request({100, 110, 130}), request({50}), request({})});
  EXPECT_EQ(s.requests, 3);
  EXPECT_EQ(s.outputTokens, 4);
  EXPECT_EQ(s.ttft.count, 2);
  EXPECT_NEAR(s.ttft.mean, 0.075, kTolerance);
  EXPECT_NEAR(s.ttft.min, 0.050, kTolerance);
  EXPECT_EQ(s.e2e.count, 2);
  EXPECT_NEAR(s.e2e.mean, 0.090, kTolerance);
  EXPECT_EQ(s.tpot.count, 1);
  EXPECT_NEAR(s.tpot.mean, 0.015, kTolerance);
  EXPECT_EQ(s.itl.count, 2);
  EXPECT_NEAR(s.itl.median, 0.015, kTolerance);
  EXPECT_NEAR(s.itl.max, 0.020, kTolerance);
}

TEST(LatencySummary, LongRequestsWeighInItlByTheirGaps) {
  // Five gaps of 10 ms against one of 100 ms: the pooled median is 10 ms,
  // while the mean TPOT over the two requests would be (10 + 100) / 2.
  LatencySummary s = LatencySummary::of(
      {request({10, 20, 30, 40, 50, 60}), request({10, 110})});
  EXPECT_EQ(s.itl.count, 6);
  EXPECT_NEAR(s.itl.median, 0.010, kTolerance);
  EXPECT_NEAR(s.tpot.mean, 0.055, kTolerance);
}

TEST(Throughput, RatesOverWallTime) {
  Throughput t = Throughput::of(/*requests=*/4, /*promptTokens=*/400,
                                /*outputTokens=*/100, /*seconds=*/2.0);
  EXPECT_DOUBLE_EQ(t.outputTokensPerSecond, 50);
  EXPECT_DOUBLE_EQ(t.totalTokensPerSecond, 250);
  EXPECT_DOUBLE_EQ(t.requestsPerSecond, 2);
  EXPECT_DOUBLE_EQ(t.seconds, 2);
}

TEST(Throughput, UntimedRunHasZeroRates) {
  Throughput t = Throughput::of(4, 400, 100, 0.0);
  EXPECT_EQ(t.outputTokensPerSecond, 0);
  EXPECT_EQ(t.totalTokensPerSecond, 0);
  EXPECT_EQ(t.requestsPerSecond, 0);
}
