// Throughput: how much a benchmark run got done per second of wall time:
// output tokens/s (generated tokens), total tokens/s (prompt + generated) and
// requests/s.
#pragma once

#include <cstdint>

namespace llmc {

struct Throughput {
  double seconds = 0; ///< the wall time the rates are over
  double outputTokensPerSecond = 0;
  double totalTokensPerSecond = 0;
  double requestsPerSecond = 0;

  /// Rates of `requests` that brought `promptTokens` and produced
  /// `outputTokens` in `seconds` of wall time; all rates are 0 when
  /// `seconds` is not positive (nothing was timed).
  static Throughput of(int64_t requests, int64_t promptTokens,
                       int64_t outputTokens, double seconds);
};

} // namespace llmc
