// Tests of what llm-bench derives from a run: wall time, throughput and the
// steady decode window, on hand-made timings.
#include "tools/llm-bench/RunRecord.h"

#include <gtest/gtest.h>

using namespace llmc;
using namespace llmc::bench;

namespace {

/// A request sent at `sentSeconds` whose tokens came at `tokenSeconds`
/// after its sending (whole milliseconds).
CompletedRequest completed(double sentSeconds, int64_t promptTokens,
                           std::vector<int> tokenMs) {
  Clock::time_point sent = Clock::now();
  std::vector<Clock::time_point> tokens;
  for (int ms : tokenMs)
    tokens.push_back(sent + std::chrono::milliseconds(ms));
  CompletedRequest r;
  r.sentSeconds = sentSeconds;
  r.promptTokens = promptTokens;
  r.metrics = RequestMetrics::fromTimestamps(sent, tokens);
  return r;
}

constexpr double kTolerance = 1e-9; // whole milliseconds, summed

} // namespace

TEST(RunRecord, WallTimeRunsFromFirstSendToLastToken) {
  RunRecord run;
  // A: sent at 0, tokens at 1, 2, 3, 4 s; B: sent at 0.5, tokens at 2, 3, 4.
  run.requests = {completed(0, 10, {1000, 2000, 3000, 4000}),
                  completed(0.5, 20, {1500, 2500, 3500})};
  EXPECT_NEAR(run.wallSeconds(), 4, kTolerance);
  Throughput t = run.throughput();
  EXPECT_NEAR(t.outputTokensPerSecond, 7.0 / 4, kTolerance);
  EXPECT_NEAR(t.totalTokensPerSecond, (30.0 + 7) / 4, kTolerance);
  EXPECT_NEAR(t.requestsPerSecond, 0.5, kTolerance);
  EXPECT_EQ(run.latency().ttft.count, 2);
}

TEST(RunRecord, SteadyDecodeCountsTokensWhileEveryRequestDecodes) {
  RunRecord run;
  run.requests = {completed(0, 10, {1000, 2000, 3000, 4000}),
                  completed(0.5, 20, {1500, 2500, 3500})};
  // The window is (2 s, 4 s]: A's tokens at 3 and 4, B's at 3 and 4.
  DecodeWindow w = run.steadyDecode();
  EXPECT_NEAR(w.seconds, 2, kTolerance);
  EXPECT_EQ(w.tokens, 4);
  EXPECT_NEAR(w.tokensPerSecond(), 2, kTolerance);
}

TEST(RunRecord, NoSteadyWindowWhenRequestsNeverOverlap) {
  RunRecord run;
  // One after another: B's first token comes after A's last.
  run.requests = {completed(0, 1, {100, 200}), completed(1, 1, {100, 200})};
  EXPECT_EQ(run.steadyDecode().seconds, 0);
  EXPECT_EQ(run.steadyDecode().tokensPerSecond(), 0);
}

TEST(RunRecord, EmptyRunHasNoTime) {
  RunRecord run;
  EXPECT_EQ(run.wallSeconds(), 0);
  EXPECT_EQ(run.throughput().outputTokensPerSecond, 0);
  EXPECT_EQ(run.steadyDecode().seconds, 0);
}
