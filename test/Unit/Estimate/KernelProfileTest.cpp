// Tests of the per-kernel profile: timed launches grouped by phase and
// kernel, their work taken from the cost terms at each launch's sizes, and
// the roofline share, on hand-computed cases.
#include "runtime/estimate/KernelProfile.h"

#include <gtest/gtest.h>

using namespace llmc;

namespace {

// Sums of a few short decimals: a relative 1e-12 absorbs their rounding.
void expectClose(double actual, double expected) {
  EXPECT_NEAR(actual, expected, 1e-12 * std::abs(expected)) << expected;
}

/// prefill: [0] gemm 1e9 FLOP per row over 1 MB of weights.
/// decode:  [0] gemv 2 MB + 1 kB per row, 4 MFLOP per row;
///          [1] attn 512 B and 1024 FLOP per row and position;
///          [2] gemv again, 1 MB, 2 MFLOP per row.
/// sample:  [0] argmax 100 kB per row.
EngineCosts costs() {
  EngineCosts c;
  c.prefill.name = "prefill";
  c.decode.name = "decode";
  c.sample.name = "sample";
  LaunchCost gemm;
  gemm.flops.perRow = 1e9;
  gemm.bytes.fixed = 1e6;
  c.prefill.launches = {gemm};
  LaunchCost qkv, attn, out;
  qkv.bytes.fixed = 2e6;
  qkv.bytes.perRow = 1e3;
  qkv.flops.perRow = 4e6;
  attn.bytes.perRowContext = 512;
  attn.flops.perRowContext = 1024;
  out.bytes.fixed = 1e6;
  out.flops.perRow = 2e6;
  c.decode.launches = {qkv, attn, out};
  LaunchCost argmax;
  argmax.bytes.perRow = 1e5;
  c.sample.launches = {argmax};
  return c;
}

/// 1 TB/s and 100 TFLOP/s.
DeviceCeilings ceilings() { return {"test", 1e12, 1e14, "test"}; }

/// Two decode steps (2 rows at context 100, 4 rows at context 50), each with
/// its sample, and one prefill launch.
std::vector<LaunchRecord> records() {
  return {
      {"decode", 0, "gemv", 2, 100, 0.004},
      {"decode", 1, "attn", 2, 100, 0.002},
      {"decode", 2, "gemv", 2, 100, 0.003},
      {"sample", 0, "argmax", 2, 100, 0.001},
      {"prefill", 0, "gemm", 100, 50, 2.0},
      {"decode", 0, "gemv", 4, 50, 0.005},
      {"decode", 1, "attn", 4, 50, 0.002},
      {"decode", 2, "gemv", 4, 50, 0.003},
      {"sample", 0, "argmax", 4, 50, 0.001},
  };
}

KernelProfile profile(const std::optional<DeviceCeilings> &device) {
  StatusOr<KernelProfile> p = profileKernels(records(), costs(), device);
  EXPECT_TRUE(p.isOk()) << p.status().message();
  return p.isOk() ? *p : KernelProfile{};
}

} // namespace

TEST(KernelProfile, GroupsLaunchesByPhaseAndKernelLongestFirst) {
  const KernelProfile p = profile(ceilings());
  ASSERT_EQ(p.phases.size(), 3u);
  EXPECT_EQ(p.phases[0].phase, "prefill");
  EXPECT_EQ(p.phases[1].phase, "decode");
  EXPECT_EQ(p.phases[2].phase, "sample");

  const PhaseProfile &decode = p.phases[1];
  EXPECT_EQ(decode.launches, 6);
  expectClose(decode.seconds, 19e-6); // 4 + 2 + 3 + 5 + 2 + 3 us
  ASSERT_EQ(decode.kernels.size(), 2u);
  // Launches 0 and 2 share the kernel gemv: 15 us; attn 4 us.
  EXPECT_EQ(decode.kernels[0].kernel, "gemv");
  EXPECT_EQ(decode.kernels[0].launches, 4);
  expectClose(decode.kernels[0].seconds, 15e-6);
  expectClose(decode.kernels[0].microsecondsPerLaunch(), 3.75);
  expectClose(decode.kernels[0].phaseShare, 15.0 / 19);
  EXPECT_EQ(decode.kernels[1].kernel, "attn");
  expectClose(decode.kernels[1].phaseShare, 4.0 / 19);
  expectClose(p.phases[2].kernels[0].phaseShare, 1);
}

TEST(KernelProfile, WorkComesFromTheCostTermsAtEachLaunchsSizes) {
  const KernelProfile p = profile(ceilings());
  const KernelProfileRow &gemv = p.phases[1].kernels[0];
  // qkv at 2 and 4 rows: 2.002 MB + 2.004 MB, 8 + 16 MFLOP; out twice:
  // 2 MB, 4 + 8 MFLOP.
  expectClose(gemv.bytes, 6.006e6);
  expectClose(gemv.flops, 36e6);
  expectClose(gemv.bytesPerSecond(), 6.006e6 / 15e-6);
  expectClose(gemv.flopsPerSecond(), 36e6 / 15e-6);
  // attn: rows * context is 200 in both steps.
  const KernelProfileRow &attn = p.phases[1].kernels[1];
  expectClose(attn.bytes, 2 * 512 * 200);
  expectClose(attn.flops, 2 * 1024 * 200);
  // argmax: 2 + 4 rows of 100 kB.
  expectClose(p.phases[2].kernels[0].bytes, 6e5);
}

TEST(KernelProfile, RooflineShareIsTheBoundResourcesTimeOverTheMeasured) {
  const KernelProfile p = profile(ceilings());
  // gemv's bytes at 1 TB/s: 6.006 us of 15 measured; no launch overhead.
  const KernelProfileRow &gemv = p.phases[1].kernels[0];
  expectClose(gemv.rooflineSeconds, 6.006e-6);
  expectClose(gemv.rooflineFraction(), 6.006 / 15);
  EXPECT_FALSE(gemv.computeBound);
  // gemm: 1e11 FLOP at 100 TFLOP/s is 1 ms (its 1 MB 1 us) of 2 ms.
  const KernelProfileRow &gemm = p.phases[0].kernels[0];
  expectClose(gemm.rooflineSeconds, 1e-3);
  expectClose(gemm.rooflineFraction(), 0.5);
  EXPECT_TRUE(gemm.computeBound);
}

TEST(KernelProfile, RooflineSumsPerLaunchMaxima) {
  // One kernel, memory-bound at 1 row and compute-bound at 1000 rows: the
  // group's roofline is the sum of each launch's own bound.
  EngineCosts c = costs();
  LaunchCost mixed;
  mixed.bytes.fixed = 1e6;  // 1 us
  mixed.flops.perRow = 1e5; // 1 us per 1000 rows
  c.decode.launches = {mixed};
  StatusOr<KernelProfile> p = profileKernels(
      {{"decode", 0, "k", 1, 0, 0.01}, {"decode", 0, "k", 10000, 0, 0.01}}, c,
      ceilings());
  ASSERT_TRUE(p.isOk()) << p.status().message();
  // 1 us (bytes) + 10 us (1e9 FLOP at 1e14) = 11 us.
  expectClose(p->phases[0].kernels[0].rooflineSeconds, 11e-6);
  // Totals: 2 MB (2 us) against 1.0001e9 FLOP (10.001 us): compute.
  EXPECT_TRUE(p->phases[0].kernels[0].computeBound);
}

TEST(KernelProfile, WithoutCeilingsHasNoRoofline) {
  const KernelProfile p = profile(std::nullopt);
  EXPECT_FALSE(p.ceilings.has_value());
  const KernelProfileRow &gemv = p.phases[1].kernels[0];
  EXPECT_EQ(gemv.rooflineSeconds, 0);
  EXPECT_EQ(gemv.rooflineFraction(), 0);
  expectClose(gemv.bytes, 6.006e6); // the work is still known
}

TEST(KernelProfile, NoRecordsGiveNoPhases) {
  StatusOr<KernelProfile> p = profileKernels({}, costs(), ceilings());
  ASSERT_TRUE(p.isOk());
  EXPECT_TRUE(p->phases.empty());
}

TEST(KernelProfile, RefusesALaunchTheEngineDoesNotHave) {
  StatusOr<KernelProfile> phase =
      profileKernels({{"verify", 0, "k", 1, 0, 1}}, costs(), ceilings());
  ASSERT_FALSE(phase.isOk());
  EXPECT_EQ(phase.status().message(),
            "launch record 0: the engine has no phase 'verify'");
  StatusOr<KernelProfile> index = profileKernels(
      {{"decode", 0, "gemv", 1, 0, 1}, {"decode", 3, "k", 1, 0, 1}}, costs(),
      ceilings());
  ASSERT_FALSE(index.isOk());
  EXPECT_EQ(index.status().message(),
            "launch record 1: phase decode has no launch 3");
}

TEST(KernelProfile, AVariantKernelIsItsOwnRowWithItsLaunchsCosts) {
  // The prefill gemm ran once as itself (100 rows) and once as its few-rows
  // kernel (2 rows): two rows of the profile, both costed by launch 0.
  StatusOr<KernelProfile> p =
      profileKernels({{"prefill", 0, "gemm", 100, 0, 2.0},
                      {"prefill", 0, "gemm_few_rows", 2, 0, 0.5}},
                     costs(), ceilings());
  ASSERT_TRUE(p.isOk()) << p.status().message();
  ASSERT_EQ(p->phases.size(), 1u);
  const PhaseProfile &prefill = p->phases[0];
  ASSERT_EQ(prefill.kernels.size(), 2u);
  EXPECT_EQ(prefill.kernels[0].kernel, "gemm");
  expectClose(prefill.kernels[0].flops, 1e11);
  EXPECT_EQ(prefill.kernels[1].kernel, "gemm_few_rows");
  EXPECT_EQ(prefill.kernels[1].launches, 1);
  expectClose(prefill.kernels[1].flops, 2e9);
  expectClose(prefill.kernels[1].bytes, 1e6);
}
