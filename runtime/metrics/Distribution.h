// Distribution: the mean, median, p90 and p99 of a set of samples, the summary
// every benchmark line reports (TTFT, TPOT, ITL and E2E in seconds, gaps in
// milliseconds).
//
// Percentiles interpolate linearly between the two closest ranks, as numpy's
// default and the serving benchmarks users compare against do: the q-th
// percentile of n sorted samples lies at rank q / 100 * (n - 1). An empty set
// of samples gives zeros and count 0, so a summary of nothing reads as
// "undefined" instead of a fake zero latency.
#pragma once

#include <cstdint>
#include <vector>

namespace llmc {

struct Distribution {
  int64_t count = 0; ///< samples summarized; 0 means every field is undefined
  double mean = 0;
  double median = 0;
  double p90 = 0;
  double p99 = 0;
  double min = 0;
  double max = 0;

  /// True when there were no samples (all values are then 0).
  bool empty() const { return count == 0; }

  /// Summarizes `samples` (any order).
  static Distribution of(std::vector<double> samples);
};

/// The q-th percentile (q in [0, 100], clamped) of `sorted`, ascending and
/// non-empty, interpolated linearly between the two closest ranks.
double percentileOfSorted(const std::vector<double> &sorted, double q);

} // namespace llmc
