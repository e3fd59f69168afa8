// The error measure the numerics tests state their tolerances in.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace llmc::testing {

/// Largest |a - b| over max |b|; infinity when the sizes differ or b is empty.
inline double relativeError(const std::vector<float> &a,
                            const std::vector<float> &b) {
  if (a.size() != b.size() || b.empty())
    return INFINITY;
  double maxDiff = 0, maxRef = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    maxDiff = std::max(maxDiff, double(std::fabs(a[i] - b[i])));
    maxRef = std::max(maxRef, double(std::fabs(b[i])));
  }
  return maxDiff / maxRef;
}

} // namespace llmc::testing
