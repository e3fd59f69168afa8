// Tests of the percentile arithmetic behind every benchmark summary. Expected
// values are worked by hand with the linear-interpolation rule (rank =
// q / 100 * (n - 1)), the one numpy.percentile uses by default.
#include "runtime/metrics/Distribution.h"

#include <gtest/gtest.h>

using namespace llmc;

// Sums of a few exact binary fractions; 1e-12 only absorbs the rounding of
// the interpolation products.
constexpr double kTolerance = 1e-12;

TEST(Distribution, EmptySamplesGiveZerosAndCountZero) {
  Distribution d = Distribution::of({});
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(d.count, 0);
  EXPECT_EQ(d.mean, 0);
  EXPECT_EQ(d.median, 0);
  EXPECT_EQ(d.p90, 0);
  EXPECT_EQ(d.p99, 0);
}

TEST(Distribution, SingleSampleIsEveryStatistic) {
  Distribution d = Distribution::of({0.25});
  EXPECT_FALSE(d.empty());
  EXPECT_EQ(d.count, 1);
  EXPECT_EQ(d.mean, 0.25);
  EXPECT_EQ(d.median, 0.25);
  EXPECT_EQ(d.p90, 0.25);
  EXPECT_EQ(d.p99, 0.25);
  EXPECT_EQ(d.min, 0.25);
  EXPECT_EQ(d.max, 0.25);
}

TEST(Distribution, InterpolatesBetweenTheTwoClosestRanks) {
  // Unsorted on purpose. Sorted: 1 2 3 4; ranks: p50 1.5, p90 2.7, p99 2.97.
  Distribution d = Distribution::of({4, 1, 3, 2});
  EXPECT_EQ(d.count, 4);
  EXPECT_NEAR(d.mean, 2.5, kTolerance);
  EXPECT_NEAR(d.median, 2.5, kTolerance);
  EXPECT_NEAR(d.p90, 3.7, kTolerance);
  EXPECT_NEAR(d.p99, 3.97, kTolerance);
  EXPECT_EQ(d.min, 1);
  EXPECT_EQ(d.max, 4);
}

TEST(Distribution, MatchesNumpyOnAnOddCount) {
  // numpy.percentile([15, 20, 35, 40, 50], [50, 90, 99]) = [35, 46, 49.6].
  Distribution d = Distribution::of({15, 20, 35, 40, 50});
  EXPECT_NEAR(d.median, 35, kTolerance);
  EXPECT_NEAR(d.p90, 46, kTolerance);
  EXPECT_NEAR(d.p99, 49.6, kTolerance);
  EXPECT_NEAR(d.mean, 32, kTolerance);
}

TEST(Distribution, PercentileClampsItsRank) {
  const std::vector<double> sorted = {1, 5, 9};
  EXPECT_EQ(percentileOfSorted(sorted, -10), 1);
  EXPECT_EQ(percentileOfSorted(sorted, 0), 1);
  EXPECT_EQ(percentileOfSorted(sorted, 100), 9);
  EXPECT_EQ(percentileOfSorted(sorted, 150), 9);
  EXPECT_NEAR(percentileOfSorted(sorted, 25), 3, kTolerance);
}
