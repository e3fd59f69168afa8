// A quick sanity timing of the projection kernels on real shapes (disabled by
// default; run with --gtest_also_run_disabled_tests). It prints achieved
// bandwidth (GEMV: weight bytes / time) and throughput (GEMM) so a gross
// performance bug shows; tuning and real benchmarks belong to llm-bench.
#include "test/GPU/KernelHarness.h"

#include <cstdio>

namespace llmc::gputest {
namespace {

struct Timed {
  std::string label, source;
  int n, k, t;
  cuda::Dim3 grid, block;
  unsigned sharedBytes;
  int outColumns; // columns of the bf16 output
};

std::string wrapGemv(const std::string &epilogue, const std::string &gemv) {
  return "#include \"Gemv.cuh\"\nusing namespace llmc::kernels;\nusing Epi = " +
         epilogue + ";\nusing Kernel = " + gemv +
         ";\nextern \"C\" __global__ void __launch_bounds__(Kernel::kThreads)\n"
         "projection(const bf16 *x, const bf16 *w, int T, Epi::Params p) {\n"
         "  Kernel::run(x, w, T, p);\n}\n";
}

std::string wrapGemm(const std::string &epilogue, const std::string &gemm) {
  return "#include \"GemmMma.cuh\"\nusing namespace llmc::kernels;\n"
         "using Epi = " +
         epilogue + ";\nusing Kernel = " + gemm +
         ";\nextern \"C\" __global__ void __launch_bounds__(Kernel::kThreads)\n"
         "projection(const bf16 *x, const bf16 *w, int T, Epi::Params p) {\n"
         "  extern __shared__ uint4 shared[];\n"
         "  Kernel::run(x, w, T, p, shared);\n}\n";
}

TEST(SanityTiming, DISABLED_ProjectionKernels) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  const unsigned large = 128 * 136 * 4; // 128x128 tile's epilogue staging
  std::vector<Timed> cases = {
      {"gemv llama2 wo T=1",
       wrapGemv("StoreBf16Epilogue<4096>",
                "Gemv<4096, 4096, 1, 4, 2, 16, Epi>"),
       4096,
       4096,
       1,
       {256},
       {128},
       0,
       4096},
      {"gemv llama2 w13+swiglu T=1",
       wrapGemv("SwiGluEpilogue<22016>", "Gemv<22016, 4096, 1, 4, 2, 32, Epi>"),
       22016,
       4096,
       1,
       {688},
       {128},
       0,
       11008},
      {"gemv llama2 w13+swiglu T=16",
       wrapGemv("SwiGluEpilogue<22016>",
                "Gemv<22016, 4096, 16, 4, 2, 32, Epi>"),
       22016,
       4096,
       16,
       {688},
       {128},
       0,
       11008},
      {"gemm llama2 w13+swiglu M=2048",
       wrapGemm(
           "SwiGluEpilogue<22016>",
           "GemmMma<22016, 4096, MmaTileShape<128, 128, 32, 2, 4, 2>, Epi>"),
       22016,
       4096,
       2048,
       {172, 16},
       {256},
       large,
       11008},
  };
  std::printf("%-32s %10s %12s %12s\n", "kernel", "us", "weight GB/s",
              "TFLOP/s");
  for (const Timed &c : cases) {
    LLMC_GPU_ASSIGN(KernelModule module, gpu.compile(c.source, "timed.cu"));
    LLMC_GPU_ASSIGN(auto x, gpu.uploadBf16(randomUniform(size_t(c.t) * c.k, 1,
                                                         -1.0f, 1.0f)));
    LLMC_GPU_ASSIGN(auto w, gpu.uploadBf16(randomUniform(size_t(c.n) * c.k, 2,
                                                         -0.03f, 0.03f)));
    LLMC_GPU_ASSIGN(auto out,
                    gpu.allocate<uint16_t>(size_t(c.t) * c.outColumns));
    CUdeviceptr outPointer = out.pointer();
    LLMC_GPU_ASSIGN(float ms, module.timeMs("projection", c.grid, c.block,
                                            c.sharedBytes, 20, x.pointer(),
                                            w.pointer(), c.t, outPointer));
    double seconds = ms * 1e-3;
    std::printf("%-32s %10.1f %12.0f %12.1f\n", c.label.c_str(), ms * 1e3,
                double(c.n) * c.k * 2 / seconds * 1e-9,
                2.0 * c.n * c.k * c.t / seconds * 1e-12);
  }
}

} // namespace
} // namespace llmc::gputest
