// Pools per-request metrics into the run's latency distributions.
#include "runtime/metrics/LatencySummary.h"

namespace llmc {

LatencySummary LatencySummary::of(const std::vector<RequestMetrics> &requests) {
  std::vector<double> ttft, tpot, itl, e2e;
  LatencySummary summary;
  summary.requests = int64_t(requests.size());
  for (const RequestMetrics &r : requests) {
    summary.outputTokens += r.outputTokens;
    // A request that streamed nothing (cancelled, failed) has no latency to
    // report; counting it as zero would flatter the run.
    if (r.outputTokens < 1)
      continue;
    ttft.push_back(r.ttftSeconds);
    e2e.push_back(r.e2eSeconds);
    if (r.outputTokens >= 2)
      tpot.push_back(r.tpotSeconds);
    itl.insert(itl.end(), r.itlSeconds.begin(), r.itlSeconds.end());
  }
  summary.ttft = Distribution::of(std::move(ttft));
  summary.tpot = Distribution::of(std::move(tpot));
  summary.itl = Distribution::of(std::move(itl));
  summary.e2e = Distribution::of(std::move(e2e));
  return summary;
}

} // namespace llmc
