// Computes the per-request latency metrics from streamed-token timestamps.
#include "runtime/metrics/RequestMetrics.h"

namespace llmc {

static double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

double RequestMetrics::decodeTokensPerSecond() const {
  return tpotSeconds > 0 ? 1.0 / tpotSeconds : 0.0;
}

RequestMetrics
RequestMetrics::fromTimestamps(Clock::time_point sent,
                               const std::vector<Clock::time_point> &tokens) {
  RequestMetrics m;
  m.outputTokens = int64_t(tokens.size());
  if (tokens.empty())
    return m;
  m.ttftSeconds = seconds(tokens.front() - sent);
  m.e2eSeconds = seconds(tokens.back() - sent);
  for (size_t i = 1; i < tokens.size(); ++i)
    m.itlSeconds.push_back(seconds(tokens[i] - tokens[i - 1]));
  if (tokens.size() > 1)
    m.tpotSeconds = (m.e2eSeconds - m.ttftSeconds) / double(tokens.size() - 1);
  return m;
}

} // namespace llmc
