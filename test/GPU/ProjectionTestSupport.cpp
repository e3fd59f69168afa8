// The shared body of the GEMV and GEMM tests: data, CPU reference per
// epilogue, launch and comparison.
//
// Tolerances (inputs are bf16; the reference runs in fp32 on the same bf16
// values, so only the kernel's own arithmetic differs):
//  - bf16 outputs: rtol 2^-7 (one bf16 ulp: the kernel rounds its fp32 result
//    once, and a value within fp32 noise of a rounding boundary may round the
//    other way) plus atol 1e-3 * max|expected| for the fp32 accumulation-order
//    difference (about sqrt(K) * 2^-24 of the partial sums, under 1e-5 of the
//    scale here) near zero; any indexing error moves outputs by the scale
//    itself.
//  - fp32 outputs (logits): rtol 1e-4 and atol 1e-4 * max|expected|, again
//    far above accumulation-order noise and far below any real error.
#include "test/GPU/ProjectionTestSupport.h"

#include "runtime/reference/ReferenceOps.h"
#include "test/GPU/PagedKvTestSupport.h"

#include <cmath>
#include <functional>

namespace llmc::gputest {
namespace {

constexpr double kBf16Rtol = 1.0 / 128;
constexpr double kBf16AtolOfScale = 1e-3;
constexpr double kF32Tol = 1e-4;

double maxAbs(const std::vector<float> &values) {
  double m = 0;
  for (float v : values)
    m = std::max(m, double(std::fabs(v)));
  return m;
}

ref::ThreadPool &pool() {
  static ref::ThreadPool threads;
  return threads;
}

struct OnePointer {
  CUdeviceptr out;
};
struct TwoPointers {
  CUdeviceptr residual, out;
};

const char *layoutName(RopeStyle style) {
  return style == RopeStyle::Interleaved ? "RopeLayout::Interleaved"
                                         : "RopeLayout::HalfSplit";
}

} // namespace

std::string epilogueType(const ProjectionCase &c) {
  const std::string n = std::to_string(c.n);
  switch (c.epilogue) {
  case EpilogueKind::StoreBf16:
    return "StoreBf16Epilogue<" + n + ">";
  case EpilogueKind::StoreF32:
    return "StoreF32Epilogue<" + n + ">";
  case EpilogueKind::ResidualAdd:
    return "ResidualAddEpilogue<" + n + ">";
  case EpilogueKind::SwiGlu:
    return "SwiGluEpilogue<" + n + ">";
  case EpilogueKind::RopeKv:
    return "RopeKvWriteEpilogue<" + std::to_string(c.heads) + ", " +
           std::to_string(c.kvHeads) + ", " + std::to_string(c.headDim) + ", " +
           std::to_string(c.blockSize) + ", " + layoutName(c.style) +
           (c.headNorm ? ", true" : "") + ">";
  }
  return "";
}

void runProjectionCase(
    const ProjectionCase &c,
    const std::function<ProjectionLaunch(const ProjectionCase &)> &makeLaunch) {
  GpuContext *gpuOrNull = GpuContext::get();
  ASSERT_NE(gpuOrNull, nullptr) << GpuContext::skipReason();
  const GpuContext &gpu = *gpuOrNull;
  const int T = c.t, N = c.n, K = c.k;
  if (c.epilogue == EpilogueKind::RopeKv) {
    ASSERT_EQ(N, (c.heads + 2 * c.kvHeads) * c.headDim) << c.label;
  }

  ProjectionLaunch launch = makeLaunch(c);
  LLMC_GPU_ASSIGN(KernelModule module,
                  gpu.compile(launch.source, c.label + ".cu"));

  const uint64_t seed = std::hash<std::string>()(c.label);
  const float wScale = std::sqrt(3.0f / float(K)); // outputs of order 1
  std::vector<float> x =
      roundedToBf16(randomUniform(size_t(T) * K, seed, -1.0f, 1.0f));
  std::vector<float> w =
      roundedToBf16(randomUniform(size_t(N) * K, seed + 1, -wScale, wScale));
  LLMC_GPU_ASSIGN(auto xDevice, gpu.uploadBf16(x));
  LLMC_GPU_ASSIGN(auto wDevice, gpu.uploadBf16(w));

  std::vector<float> y(size_t(T) * N);
  ref::linear(x.data(), w.data(), T, K, N, y.data(), &pool());

  auto run = [&](auto params) {
    return module.launch("projection", launch.grid, launch.block,
                         launch.sharedBytes, xDevice.pointer(),
                         wDevice.pointer(), T, params);
  };

  switch (c.epilogue) {
  case EpilogueKind::StoreBf16: {
    LLMC_GPU_ASSIGN(auto out, gpu.allocate<uint16_t>(size_t(T) * N));
    LLMC_GPU_CHECK(out.fill(0xFF));
    LLMC_GPU_CHECK(run(OnePointer{out.pointer()}));
    LLMC_GPU_ASSIGN(std::vector<float> actual, downloadBf16(out));
    EXPECT_TRUE(matchesReference(actual, y, kBf16Rtol,
                                 kBf16AtolOfScale * maxAbs(y), c.label));
    break;
  }
  case EpilogueKind::StoreF32: {
    LLMC_GPU_ASSIGN(auto out, gpu.allocate<float>(size_t(T) * N));
    LLMC_GPU_CHECK(out.fill(0xFF));
    LLMC_GPU_CHECK(run(OnePointer{out.pointer()}));
    LLMC_GPU_ASSIGN(std::vector<float> actual, out.download());
    EXPECT_TRUE(
        matchesReference(actual, y, kF32Tol, kF32Tol * maxAbs(y), c.label));
    break;
  }
  case EpilogueKind::ResidualAdd: {
    // In place, as the residual stream is updated: out == residual.
    std::vector<float> residual =
        roundedToBf16(randomUniform(size_t(T) * N, seed + 2, -2.0f, 2.0f));
    LLMC_GPU_ASSIGN(auto stream, gpu.uploadBf16(residual));
    LLMC_GPU_CHECK(run(TwoPointers{stream.pointer(), stream.pointer()}));
    LLMC_GPU_ASSIGN(std::vector<float> actual, downloadBf16(stream));
    std::vector<float> expected(y.size());
    ref::add(residual.data(), y.data(), int64_t(y.size()), expected.data());
    EXPECT_TRUE(matchesReference(actual, expected, kBf16Rtol,
                                 kBf16AtolOfScale * maxAbs(expected), c.label));
    break;
  }
  case EpilogueKind::SwiGlu: {
    const int F = N / 2;
    LLMC_GPU_ASSIGN(auto out, gpu.allocate<uint16_t>(size_t(T) * F));
    LLMC_GPU_CHECK(out.fill(0xFF));
    LLMC_GPU_CHECK(run(OnePointer{out.pointer()}));
    LLMC_GPU_ASSIGN(std::vector<float> actual, downloadBf16(out));
    // Rows 2i / 2i + 1 of the interleaved weight are gate i / up i.
    std::vector<float> gate(size_t(T) * F), up(size_t(T) * F),
        expected(size_t(T) * F);
    for (int t = 0; t < T; ++t)
      for (int i = 0; i < F; ++i) {
        gate[size_t(t) * F + i] = y[size_t(t) * N + 2 * i];
        up[size_t(t) * F + i] = y[size_t(t) * N + 2 * i + 1];
      }
    ref::swiglu(gate.data(), up.data(), int64_t(expected.size()),
                expected.data());
    EXPECT_TRUE(matchesReference(actual, expected, kBf16Rtol,
                                 kBf16AtolOfScale * maxAbs(expected), c.label));
    break;
  }
  case EpilogueKind::RopeKv: {
    PagedKvScenario scenario =
        c.sequences.empty()
            ? makeDecodeScenario(c.heads, c.kvHeads, c.headDim, c.blockSize, T,
                                 300, seed + 3, T >= 3 ? 1 : -1,
                                 T >= 3 ? T - 1 : -1)
            : makePrefillScenario(c.heads, c.kvHeads, c.headDim, c.blockSize,
                                  c.sequences, seed + 3);
    ASSERT_EQ(scenario.numTokens(), T) << c.label;
    std::vector<float> frequencies =
        testInverseFrequencies(c.headDim, c.llama3Frequencies);
    LLMC_GPU_ASSIGN(RopeKvDeviceState state,
                    uploadRopeKv(gpu, scenario, frequencies));
    QkvFamilyInputs family =
        makeQkvFamilyInputs(scenario, c.qkvBias, c.headNorm, seed + 4);
    LLMC_GPU_ASSIGN(QkvFamilyDevice familyDevice, uploadQkvFamily(gpu, family));
    RopeKvParamsArg params = state.params(scenario);
    familyDevice.fill(params);
    LLMC_GPU_CHECK(run(params));
    LLMC_GPU_ASSIGN(std::vector<float> q, downloadBf16(state.q));
    LLMC_GPU_ASSIGN(std::vector<uint16_t> kBits, state.kCache.download());
    LLMC_GPU_ASSIGN(std::vector<uint16_t> vBits, state.vCache.download());
    // The bias and the head norm change the values' scale: the tolerance
    // follows what is rotated.
    std::vector<float> rotated = applyQkvFamily(scenario, y, family);
    RopeKvExpected expected =
        ropeKvReference(scenario, rotated, frequencies, c.style);
    EXPECT_TRUE(matchesRopeKv(expected, q, kBits, vBits, kBf16Rtol,
                              kBf16AtolOfScale * maxAbs(rotated), c.label));
    break;
  }
  }
}

} // namespace llmc::gputest
