// RequestMetrics: the latency vocabulary of one request (TTFT, TPOT, ITL, E2E),
// computed from the time it was sent and the times its tokens were streamed.
//
// Definitions follow the serving benchmarks users already trust:
//   TTFT = first token - sent;  E2E = last token - sent;
//   TPOT = (E2E - TTFT) / (outputTokens - 1), undefined (0) for a single token;
//   ITL  = every gap between consecutive streamed tokens.
#pragma once

#include <chrono>
#include <vector>

namespace llmc {

using Clock = std::chrono::steady_clock;

struct RequestMetrics {
  double ttftSeconds = 0;
  double tpotSeconds = 0; ///< 0 when fewer than two tokens were generated
  double e2eSeconds = 0;
  std::vector<double> itlSeconds; ///< size outputTokens - 1
  int64_t outputTokens = 0;

  /// Output tokens per second over the decode phase (after the first token);
  /// 0 when undefined.
  double decodeTokensPerSecond() const;

  static RequestMetrics
  fromTimestamps(Clock::time_point sent,
                 const std::vector<Clock::time_point> &tokens);
};

} // namespace llmc
