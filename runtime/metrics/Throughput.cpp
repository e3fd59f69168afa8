// Rates of a benchmark run over its wall time.
#include "runtime/metrics/Throughput.h"

namespace llmc {

Throughput Throughput::of(int64_t requests, int64_t promptTokens,
                          int64_t outputTokens, double seconds) {
  Throughput t;
  if (!(seconds > 0))
    return t;
  t.seconds = seconds;
  t.outputTokensPerSecond = double(outputTokens) / seconds;
  t.totalTokensPerSecond = double(promptTokens + outputTokens) / seconds;
  t.requestsPerSecond = double(requests) / seconds;
  return t;
}

} // namespace llmc
