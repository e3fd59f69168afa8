// LatencySummary: the latency distributions of a benchmark run, pooled over
// many requests (DESIGN.md "Metrics"):
//   TTFT, E2E  one sample per request that produced a token;
//   TPOT       one sample per request that produced at least two tokens (a
//              single token has no time per output token);
//   ITL        every gap between consecutive streamed tokens, pooled over all
//              requests, so long requests weigh in proportion to their tokens.
#pragma once

#include "runtime/metrics/Distribution.h"
#include "runtime/metrics/RequestMetrics.h"

#include <cstdint>
#include <vector>

namespace llmc {

struct LatencySummary {
  Distribution ttft;        ///< seconds
  Distribution tpot;        ///< seconds
  Distribution itl;         ///< seconds
  Distribution e2e;         ///< seconds
  int64_t requests = 0;     ///< requests given, with or without tokens
  int64_t outputTokens = 0; ///< summed over the requests

  static LatencySummary of(const std::vector<RequestMetrics> &requests);
};

} // namespace llmc
