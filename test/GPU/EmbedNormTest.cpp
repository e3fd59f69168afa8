// Embedding gather (Embed.cuh), RMSNorm, the fused residual add + RMSNorm and
// the gathering RMSNorm of selected rows (RmsNorm.cuh) against the CPU
// reference.
//
// Tolerances: the gather and the residual add are exact (a bf16 copy; one
// fp32 add rounded to bf16 the same way on both sides). The gathering RMSNorm
// must equal RmsNorm's output for the same row bit for bit (same code), and
// write exact zeros for negative indices. The normalized output
// is rounded to bf16 once: rtol 2^-7 (one bf16 ulp, since fp32 statistics
// differ from the reference's double sum in the last bits and may flip a
// rounding) and atol 1e-6 (no cancellation: each output is a product).
#include "test/GPU/KernelHarness.h"

#include "runtime/reference/ReferenceOps.h"

#include <algorithm>

namespace llmc::gputest {
namespace {

constexpr double kNormRtol = 1.0 / 128, kNormAtol = 1e-6;

struct EmbedCase {
  int vocab, dim, threads, tokens;
};

class EmbedTest : public ::testing::TestWithParam<EmbedCase> {};

TEST_P(EmbedTest, GathersRowsAndZeroesOutOfRangeIds) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  const EmbedCase c = GetParam();
  auto s = [](int v) { return std::to_string(v); };
  std::string source = "#include \"Embed.cuh\"\n"
                       "using namespace llmc::kernels;\n"
                       "using Kernel = Embed<" +
                       s(c.vocab) + ", " + s(c.dim) + ", " + s(c.threads) +
                       ">;\n"
                       "extern \"C\" __global__ void "
                       "__launch_bounds__(Kernel::kThreads)\n"
                       "embed(const int *ids, const bf16 *table, bf16 *out, "
                       "int T) {\n"
                       "  Kernel::run(ids, table, out, T);\n"
                       "}\n";
  LLMC_GPU_ASSIGN(KernelModule module, gpu.compile(source, "embed.cu"));

  std::vector<float> table = roundedToBf16(
      randomUniform(size_t(c.vocab) * c.dim, uint64_t(c.vocab + c.dim)));
  std::vector<int32_t> ids(c.tokens);
  std::vector<float> u = randomUniform(c.tokens, 5, 0.0f, float(c.vocab));
  for (int t = 0; t < c.tokens; ++t)
    ids[t] = int32_t(u[t]);
  ids[0] = c.vocab - 1;
  ids[c.tokens - 1] = c.vocab; // out of range: a zero row
  ids[c.tokens / 2] = -1;      // out of range: a zero row
  LLMC_GPU_ASSIGN(auto tableDevice, gpu.uploadBf16(table));
  LLMC_GPU_ASSIGN(auto idsDevice, gpu.upload(ids));
  LLMC_GPU_ASSIGN(auto out, gpu.allocate<uint16_t>(size_t(c.tokens) * c.dim));
  LLMC_GPU_CHECK(out.fill(0xFF));
  LLMC_GPU_CHECK(module.launch("embed", {unsigned(c.tokens)},
                               {unsigned(c.threads)}, 0, idsDevice.pointer(),
                               tableDevice.pointer(), out.pointer(), c.tokens));
  LLMC_GPU_ASSIGN(std::vector<float> actual, downloadBf16(out));

  std::vector<int32_t> clamped = ids;
  for (int32_t &id : clamped)
    if (id < 0 || id >= c.vocab)
      id = 0;
  std::vector<float> expected(size_t(c.tokens) * c.dim);
  ref::embed(table.data(), c.vocab, c.dim, clamped.data(), c.tokens,
             expected.data());
  for (int t = 0; t < c.tokens; ++t)
    if (ids[t] < 0 || ids[t] >= c.vocab)
      std::fill_n(expected.begin() + size_t(t) * c.dim, c.dim, 0.0f);
  EXPECT_TRUE(
      matchesReference(actual, expected, 0, 0, "embed dim " + s(c.dim)));
}

INSTANTIATE_TEST_SUITE_P(Shapes, EmbedTest,
                         ::testing::Values(EmbedCase{32000, 288, 64, 7},
                                           EmbedCase{1000, 4096, 256, 33},
                                           EmbedCase{500, 8, 32, 3}));

struct NormCase {
  int dim, threads, tokens;
  float eps;
};

std::string normSource(const NormCase &c) {
  auto s = [](int v) { return std::to_string(v); };
  std::string shape = s(c.dim) + ", " + s(c.threads);
  return "#include \"RmsNorm.cuh\"\n"
         "using namespace llmc::kernels;\n"
         "extern \"C\" __global__ void __launch_bounds__(" +
         s(c.threads) +
         ")\n"
         "rmsNormKernel(const bf16 *x, const bf16 *w, bf16 *out, float eps,\n"
         "              int T) {\n"
         "  RmsNorm<" +
         shape +
         ">::run(x, w, out, eps, T);\n"
         "}\n"
         "extern \"C\" __global__ void __launch_bounds__(" +
         s(c.threads) +
         ")\n"
         "addRmsNormKernel(bf16 *residual, const bf16 *x, const bf16 *w,\n"
         "                 bf16 *out, float eps, int T) {\n"
         "  AddRmsNorm<" +
         shape +
         ">::run(residual, x, w, out, eps, T);\n"
         "}\n"
         "extern \"C\" __global__ void __launch_bounds__(" +
         s(c.threads) +
         ")\n"
         "rmsNormGatherKernel(const bf16 *x, const int *rowIndex,\n"
         "                    const bf16 *w, bf16 *out, float eps, int rows) "
         "{\n"
         "  RmsNormGather<" +
         shape +
         ">::run(x, rowIndex, w, out, eps, rows);\n"
         "}\n";
}

class RmsNormTest : public ::testing::TestWithParam<NormCase> {};

TEST_P(RmsNormTest, NormMatchesReference) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  const NormCase c = GetParam();
  LLMC_GPU_ASSIGN(KernelModule module, gpu.compile(normSource(c), "norm.cu"));
  const size_t n = size_t(c.tokens) * c.dim;
  std::vector<float> x = roundedToBf16(randomUniform(n, c.dim, -2.0f, 2.0f));
  std::vector<float> w =
      roundedToBf16(randomUniform(c.dim, c.dim + 1, 0.5f, 1.5f));
  LLMC_GPU_ASSIGN(auto xDevice, gpu.uploadBf16(x));
  LLMC_GPU_ASSIGN(auto wDevice, gpu.uploadBf16(w));
  LLMC_GPU_ASSIGN(auto out, gpu.allocate<uint16_t>(n));
  LLMC_GPU_CHECK(out.fill(0xFF));
  LLMC_GPU_CHECK(module.launch(
      "rmsNormKernel", {unsigned(c.tokens)}, {unsigned(c.threads)}, 0,
      xDevice.pointer(), wDevice.pointer(), out.pointer(), c.eps, c.tokens));
  LLMC_GPU_ASSIGN(std::vector<float> actual, downloadBf16(out));
  std::vector<float> expected(n);
  ref::rmsNorm(x.data(), w.data(), c.tokens, c.dim, c.eps, expected.data());
  EXPECT_TRUE(matchesReference(actual, expected, kNormRtol, kNormAtol,
                               "rmsnorm dim " + std::to_string(c.dim)));
}

TEST_P(RmsNormTest, FusedResidualAddNormMatchesAddThenNorm) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  const NormCase c = GetParam();
  LLMC_GPU_ASSIGN(KernelModule module, gpu.compile(normSource(c), "norm.cu"));
  const size_t n = size_t(c.tokens) * c.dim;
  std::vector<float> residual =
      roundedToBf16(randomUniform(n, c.dim + 2, -3.0f, 3.0f));
  std::vector<float> x = roundedToBf16(randomUniform(n, c.dim + 3));
  std::vector<float> w =
      roundedToBf16(randomUniform(c.dim, c.dim + 4, 0.5f, 1.5f));
  LLMC_GPU_ASSIGN(auto residualDevice, gpu.uploadBf16(residual));
  LLMC_GPU_ASSIGN(auto xDevice, gpu.uploadBf16(x));
  LLMC_GPU_ASSIGN(auto wDevice, gpu.uploadBf16(w));
  LLMC_GPU_ASSIGN(auto out, gpu.allocate<uint16_t>(n));
  LLMC_GPU_CHECK(out.fill(0xFF));
  LLMC_GPU_CHECK(module.launch(
      "addRmsNormKernel", {unsigned(c.tokens)}, {unsigned(c.threads)}, 0,
      residualDevice.pointer(), xDevice.pointer(), wDevice.pointer(),
      out.pointer(), c.eps, c.tokens));
  LLMC_GPU_ASSIGN(std::vector<float> newResidual, downloadBf16(residualDevice));
  LLMC_GPU_ASSIGN(std::vector<float> actual, downloadBf16(out));

  // The stored residual is the fp32 sum rounded to bf16, bit for bit.
  std::vector<float> expectedResidual(n);
  ref::add(residual.data(), x.data(), int64_t(n), expectedResidual.data());
  expectedResidual = roundedToBf16(expectedResidual);
  EXPECT_TRUE(matchesReference(newResidual, expectedResidual, 0, 0,
                               "residual add dim " + std::to_string(c.dim)));
  std::vector<float> expected(n);
  ref::rmsNorm(expectedResidual.data(), w.data(), c.tokens, c.dim, c.eps,
               expected.data());
  EXPECT_TRUE(matchesReference(actual, expected, kNormRtol, kNormAtol,
                               "add+rmsnorm dim " + std::to_string(c.dim)));
}

/// The gather's row indices for `tokens` rows of x: more output rows than x
/// rows, every fourth one -1, the others cycling through x so that rows
/// repeat, and the last output row taking x's last row.
std::vector<int32_t> gatherRowIndex(int tokens) {
  const int rows = 2 * tokens + 3;
  std::vector<int32_t> rowIndex(std::size_t(rows), 0);
  for (int s = 0; s < rows; ++s)
    rowIndex[std::size_t(s)] = s % 4 == 1 ? -1 : (5 * s + 2) % tokens;
  rowIndex.back() = tokens - 1;
  return rowIndex;
}

TEST_P(RmsNormTest, GatherNormalizesIndexedRowsAndZeroesNegativeOnes) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  const NormCase c = GetParam();
  LLMC_GPU_ASSIGN(KernelModule module, gpu.compile(normSource(c), "norm.cu"));
  const std::vector<int32_t> rowIndex = gatherRowIndex(c.tokens);
  const int rows = int(rowIndex.size());
  const std::size_t n = std::size_t(c.tokens) * c.dim;
  std::vector<float> x =
      roundedToBf16(randomUniform(n, c.dim + 5, -2.0f, 2.0f));
  std::vector<float> w =
      roundedToBf16(randomUniform(c.dim, c.dim + 6, 0.5f, 1.5f));
  LLMC_GPU_ASSIGN(auto xDevice, gpu.uploadBf16(x));
  LLMC_GPU_ASSIGN(auto wDevice, gpu.uploadBf16(w));
  LLMC_GPU_ASSIGN(auto rowIndexDevice, gpu.upload(rowIndex));
  LLMC_GPU_ASSIGN(auto gathered,
                  gpu.allocate<uint16_t>(std::size_t(rows) * c.dim));
  LLMC_GPU_ASSIGN(auto normalized, gpu.allocate<uint16_t>(n));
  LLMC_GPU_CHECK(gathered.fill(0xFF));
  LLMC_GPU_CHECK(normalized.fill(0xFF));
  LLMC_GPU_CHECK(module.launch("rmsNormGatherKernel", {unsigned(rows)},
                               {unsigned(c.threads)}, 0, xDevice.pointer(),
                               rowIndexDevice.pointer(), wDevice.pointer(),
                               gathered.pointer(), c.eps, rows));
  LLMC_GPU_CHECK(module.launch("rmsNormKernel", {unsigned(c.tokens)},
                               {unsigned(c.threads)}, 0, xDevice.pointer(),
                               wDevice.pointer(), normalized.pointer(), c.eps,
                               c.tokens));
  LLMC_GPU_ASSIGN(std::vector<float> actual, downloadBf16(gathered));
  LLMC_GPU_ASSIGN(std::vector<float> allRows, downloadBf16(normalized));

  std::vector<float> reference(n);
  ref::rmsNorm(x.data(), w.data(), c.tokens, c.dim, c.eps, reference.data());
  // Row s of each expectation: x row rowIndex[s] normalized, or zeros.
  std::vector<float> expected(std::size_t(rows) * c.dim, 0.0f);
  std::vector<float> sameAsRmsNorm(std::size_t(rows) * c.dim, 0.0f);
  for (int s = 0; s < rows; ++s) {
    const int32_t t = rowIndex[std::size_t(s)];
    if (t < 0)
      continue;
    const std::size_t from = std::size_t(t) * c.dim;
    const std::size_t to = std::size_t(s) * c.dim;
    std::copy_n(reference.begin() + from, c.dim, expected.begin() + to);
    std::copy_n(allRows.begin() + from, c.dim, sameAsRmsNorm.begin() + to);
  }
  const std::string what = "rmsnorm gather dim " + std::to_string(c.dim);
  EXPECT_TRUE(matchesReference(actual, expected, kNormRtol, kNormAtol, what));
  EXPECT_TRUE(matchesReference(actual, sameAsRmsNorm, 0, 0,
                               what + " vs rmsnorm kernel"));
}

INSTANTIATE_TEST_SUITE_P(Shapes, RmsNormTest,
                         ::testing::Values(NormCase{288, 64, 5, 1e-5f},
                                           NormCase{4096, 256, 3, 1e-5f},
                                           NormCase{8192, 128, 17, 1e-6f},
                                           NormCase{5120, 512, 1, 1e-6f}));

} // namespace
} // namespace llmc::gputest
