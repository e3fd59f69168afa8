// Mean and linearly interpolated percentiles of a sample set.
#include "runtime/metrics/Distribution.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>

namespace llmc {

double percentileOfSorted(const std::vector<double> &sorted, double q) {
  assert(!sorted.empty() && "percentile of no samples");
  q = std::clamp(q, 0.0, 100.0);
  const double rank = q / 100.0 * double(sorted.size() - 1);
  const size_t below = size_t(std::floor(rank));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = rank - double(below);
  return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

Distribution Distribution::of(std::vector<double> samples) {
  Distribution d;
  if (samples.empty())
    return d;
  std::sort(samples.begin(), samples.end());
  d.count = int64_t(samples.size());
  d.mean = std::accumulate(samples.begin(), samples.end(), 0.0) /
           double(samples.size());
  d.median = percentileOfSorted(samples, 50);
  d.p90 = percentileOfSorted(samples, 90);
  d.p99 = percentileOfSorted(samples, 99);
  d.min = samples.front();
  d.max = samples.back();
  return d;
}

} // namespace llmc
