// Numbers derived from a benchmark run's request timings.
#include "tools/llm-bench/RunRecord.h"

#include <algorithm>
#include <limits>

namespace llmc::bench {

namespace {

/// Seconds from the run's start to each streamed token of `r`.
std::vector<double> tokenTimes(const CompletedRequest &r) {
  std::vector<double> times;
  if (r.metrics.outputTokens < 1)
    return times;
  double t = r.sentSeconds + r.metrics.ttftSeconds;
  times.push_back(t);
  for (double gap : r.metrics.itlSeconds)
    times.push_back(t += gap);
  return times;
}

} // namespace

double RunRecord::wallSeconds() const {
  if (requests.empty())
    return 0;
  double first = std::numeric_limits<double>::infinity(), last = 0;
  for (const CompletedRequest &r : requests) {
    first = std::min(first, r.sentSeconds);
    last = std::max(last, r.sentSeconds + r.metrics.e2eSeconds);
  }
  return std::max(0.0, last - first);
}

LatencySummary RunRecord::latency() const {
  std::vector<RequestMetrics> metrics;
  for (const CompletedRequest &r : requests)
    metrics.push_back(r.metrics);
  return LatencySummary::of(metrics);
}

Throughput RunRecord::throughput() const {
  int64_t prompt = 0, output = 0;
  for (const CompletedRequest &r : requests) {
    prompt += r.promptTokens;
    output += r.metrics.outputTokens;
  }
  return Throughput::of(int64_t(requests.size()), prompt, output,
                        wallSeconds());
}

DecodeWindow RunRecord::steadyDecode() const {
  std::vector<std::vector<double>> times;
  double start = 0, end = std::numeric_limits<double>::infinity();
  for (const CompletedRequest &r : requests) {
    times.push_back(tokenTimes(r));
    if (times.back().empty())
      return {}; // a request that never streamed was never decoding
    start = std::max(start, times.back().front());
    end = std::min(end, times.back().back());
  }
  DecodeWindow window;
  if (times.empty() || !(end > start))
    return window;
  window.seconds = end - start;
  for (const std::vector<double> &t : times)
    window.tokens += std::count_if(t.begin(), t.end(), [&](double time) {
      return time > start && time <= end;
    });
  return window;
}

} // namespace llmc::bench
