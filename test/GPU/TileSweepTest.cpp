// Tile sweeps of the projection kernels on the Llama-2-7B shapes (disabled by
// default; run on the GPU machine with
//   GpuKernelTests --gtest_also_run_disabled_tests --gtest_filter='*Sweep*').
// Each configuration is one instantiation of the library template, timed over
// rotating weight copies (more bytes than the L2 holds), and printed as weight
// bandwidth (decode) or matrix throughput (prefill). The tile rules in
// passes/KernelSelection.cpp are chosen from these tables; they are tuning
// aids, not benchmarks (llm-bench --profile measures the kernels in an
// engine).
#include "test/GPU/KernelHarness.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace llmc::gputest {
namespace {

/// One projection shape: W [n, k], rows of x.
struct Shape {
  const char *label;
  int n, k;
};

/// The Llama-2-7B projections: fused QKV, output, fused gate-up, down.
const Shape kLlama2Shapes[] = {{"qkv 12288x4096", 12288, 4096},
                               {"o 4096x4096", 4096, 4096},
                               {"gate_up 22016x4096", 22016, 4096},
                               {"down 4096x11008", 4096, 11008}};

/// A candidate instantiation and how to launch it.
struct Candidate {
  std::string label;  ///< template arguments, for the table
  std::string kernel; ///< the template instance, with Epi as the epilogue
  bool gemm;          ///< GemmMma (dynamic shared memory) or Gemv
  cuda::Dim3 grid, block;
  unsigned sharedBytes;
  int kSplit = 1; ///< GemmMma blocks (a cluster) per output tile
};

std::string wrap(const Shape &shape, const Candidate &c) {
  std::string n = std::to_string(shape.n);
  std::string source =
      std::string("#include \"") + (c.gemm ? "GemmMma.cuh" : "Gemv.cuh") +
      "\"\nusing namespace llmc::kernels;\n"
      "using Epi = StoreBf16Epilogue<" +
      n + ">;\nusing Kernel = " + c.kernel +
      ";\nextern \"C\" __global__ void " +
      (c.kSplit > 1
           ? "__cluster_dims__(1, 1, " + std::to_string(c.kSplit) + ") "
           : std::string()) +
      "__launch_bounds__(Kernel::kThreads)\n"
      "projection(const bf16 *x, const bf16 *w, int T, "
      "Epi::Params p) {\n";
  source += c.gemm ? "  extern __shared__ uint4 shared[];\n"
                     "  Kernel::run(x, w, T, p, shared);\n}\n"
                   : "  Kernel::run(x, w, T, p);\n}\n";
  return source;
}

/// GemmMma<N, K, MmaTileShape<bm, bn, bk, wm, wn, stages>, Epi, kSplit> for
/// `rows` rows.
Candidate gemmTile(const Shape &shape, int rows, int bm, int bn, int bk, int wm,
                   int wn, int stages, int kSplit = 1) {
  char label[64];
  std::snprintf(label, sizeof(label), "mma %dx%dx%d w%dx%d s%d k%d", bm, bn, bk,
                wm, wn, stages, kSplit);
  std::string tile = "MmaTileShape<" + std::to_string(bm) + ", " +
                     std::to_string(bn) + ", " + std::to_string(bk) + ", " +
                     std::to_string(wm) + ", " + std::to_string(wn) + ", " +
                     std::to_string(stages) + ">";
  unsigned operands = stages * (bm + bn) * (bk + 8) * 2;
  unsigned epilogue = bm * (bn + 8) * 4;
  return {label,
          "GemmMma<" + std::to_string(shape.n) + ", " +
              std::to_string(shape.k) + ", " + tile + ", Epi, " +
              std::to_string(kSplit) + ">",
          true,
          {unsigned((shape.n + bn - 1) / bn), unsigned((rows + bm - 1) / bm),
           unsigned(kSplit)},
          {unsigned(wm * wn * 32)},
          std::max(operands, epilogue),
          kSplit};
}

/// Gemv<N, K, maxT, warps, rowsPerWarp, tileN, Epi, 0, kSplit>.
Candidate gemvTile(const Shape &shape, int maxT, int warps, int rowsPerWarp,
                   int tileN, int kSplit = 1) {
  char label[64];
  std::snprintf(label, sizeof(label), "gemv T%d w%d r%d n%d k%d", maxT, warps,
                rowsPerWarp, tileN, kSplit);
  return {label,
          "Gemv<" + std::to_string(shape.n) + ", " + std::to_string(shape.k) +
              ", " + std::to_string(maxT) + ", " + std::to_string(warps) +
              ", " + std::to_string(rowsPerWarp) + ", " +
              std::to_string(tileN) + ", Epi, 0, " + std::to_string(kSplit) +
              ">",
          false,
          {unsigned((shape.n + tileN - 1) / tileN)},
          {unsigned(warps * 32)},
          0};
}

/// Times `candidate` on `rows` rows of `shape` over enough weight copies to
/// overflow the L2, and prints one line of the table.
void timeCandidate(const GpuContext &gpu, const Shape &shape, int rows,
                   const Candidate &candidate) {
  auto module = gpu.compile(wrap(shape, candidate), "sweep.cu");
  if (!module.isOk()) {
    std::printf("%-20s %-28s T=%-4d does not compile: %s\n", shape.label,
                candidate.label.c_str(), rows,
                module.status().message().substr(0, 80).c_str());
    return;
  }
  const std::size_t weightBytes = std::size_t(shape.n) * shape.k * 2;
  const std::size_t copies =
      std::max<std::size_t>(2, (std::size_t(256) << 20) / weightBytes + 1);
  LLMC_GPU_ASSIGN(auto x, gpu.uploadBf16(randomUniform(
                              std::size_t(rows) * shape.k, 1, -1.0f, 1.0f)));
  LLMC_GPU_ASSIGN(auto out,
                  gpu.allocate<uint16_t>(std::size_t(rows) * shape.n));
  std::vector<DeviceArray<uint16_t>> weights;
  for (std::size_t i = 0; i < copies; ++i) {
    LLMC_GPU_ASSIGN(auto w, gpu.allocate<uint16_t>(weightBytes / 2));
    ASSERT_TRUE(w.fill(0x3c).isOk()); // 0x3c3c: a small finite bf16
    weights.push_back(std::move(w));
  }
  CUdeviceptr xPointer = x.pointer(), outPointer = out.pointer();
  int numRows = rows;
  std::vector<CUdeviceptr> weightPointers;
  for (const auto &w : weights)
    weightPointers.push_back(w.pointer());
  std::vector<std::array<void *, 5>> params(copies);
  std::vector<void **> paramSets;
  for (std::size_t i = 0; i < copies; ++i) {
    params[i] = {&xPointer, &weightPointers[i], &numRows, &outPointer, nullptr};
    paramSets.push_back(params[i].data());
  }
  LLMC_GPU_ASSIGN(float ms, module.value().timeRotatingRaw(
                                "projection", candidate.grid, candidate.block,
                                candidate.sharedBytes, 40, paramSets));
  LLMC_GPU_ASSIGN(auto resources, module.value().resources("projection"));
  double seconds = ms * 1e-3;
  std::printf("%-20s %-28s T=%-4d %9.1f us %7.0f GB/s %7.1f TFLOP/s  regs "
              "%3d local %3d\n",
              shape.label, candidate.label.c_str(), rows, ms * 1e3,
              weightBytes / seconds * 1e-9,
              2.0 * shape.n * shape.k * rows / seconds * 1e-12,
              resources.registers, resources.localBytes);
}

TEST(TileSweep, DISABLED_DecodeProjections) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  for (const Shape &shape : kLlama2Shapes)
    for (int rows : {1, 64}) {
      std::vector<Candidate> candidates = {
          gemmTile(shape, rows, 64, 64, 32, 2, 2, 3), // the tile before tuning
          gemmTile(shape, rows, 64, 64, 64, 2, 2, 4),
          gemmTile(shape, rows, 64, 32, 64, 2, 2, 4),
          gemmTile(shape, rows, 64, 32, 128, 2, 2, 4),
          gemmTile(shape, rows, 64, 64, 128, 2, 2, 3),
          gemmTile(shape, rows, 64, 128, 64, 2, 4, 4),
          gemmTile(shape, rows, 64, 32, 64, 2, 2, 6),
          gemmTile(shape, rows, 64, 64, 64, 1, 4, 4),
          gemmTile(shape, rows, 64, 64, 64, 2, 4, 6),
          gemmTile(shape, rows, 32, 64, 64, 2, 2, 4),
          // Clusters of blocks splitting K (sm_90).
          gemmTile(shape, rows, 64, 64, 64, 2, 2, 4, 2),
          gemmTile(shape, rows, 64, 64, 64, 2, 2, 4, 4),
          gemmTile(shape, rows, 64, 64, 64, 2, 2, 4, 8),
          gemmTile(shape, rows, 64, 128, 64, 2, 4, 4, 4),
          gemmTile(shape, rows, 64, 64, 128, 2, 2, 3, 4),
      };
      // MaxT 8 is an 8-slot engine's Gemv running one row.
      if (rows <= 16)
        for (int maxT : {rows, 8}) {
          candidates.push_back(gemvTile(shape, maxT, 4, 2, 32));
          candidates.push_back(gemvTile(shape, maxT, 8, 2, 16));
          candidates.push_back(gemvTile(shape, maxT, 4, 1, 4));
          candidates.push_back(gemvTile(shape, maxT, 8, 1, 8));
          // Warps splitting K: few rows per block, thousands of blocks.
          candidates.push_back(gemvTile(shape, maxT, 4, 4, 4, 4));
          candidates.push_back(gemvTile(shape, maxT, 4, 2, 4, 2));
          candidates.push_back(gemvTile(shape, maxT, 4, 2, 2, 4));
          candidates.push_back(gemvTile(shape, maxT, 8, 4, 8, 4));
          candidates.push_back(gemvTile(shape, maxT, 8, 4, 4, 8));
          candidates.push_back(gemvTile(shape, maxT, 4, 4, 8, 2));
          candidates.push_back(gemvTile(shape, maxT, 2, 4, 4, 2));
          candidates.push_back(gemvTile(shape, maxT, 4, 8, 8, 4));
        }
      for (const Candidate &candidate : candidates)
        timeCandidate(gpu, shape, rows, candidate);
    }
}

TEST(TileSweep, DISABLED_PrefillProjections) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  for (const Shape &shape : kLlama2Shapes)
    for (int rows : {2048}) {
      std::vector<Candidate> candidates = {
          gemmTile(shape, rows, 128, 128, 32, 2, 4, 3), // before tuning
          gemmTile(shape, rows, 128, 128, 64, 2, 4, 3),
          gemmTile(shape, rows, 128, 128, 32, 2, 4, 4),
          gemmTile(shape, rows, 128, 128, 64, 2, 4, 4),
          gemmTile(shape, rows, 128, 256, 32, 2, 4, 3),
          gemmTile(shape, rows, 128, 128, 32, 4, 2, 4),
          gemmTile(shape, rows, 256, 128, 32, 4, 2, 3),
      };
      for (const Candidate &candidate : candidates)
        timeCandidate(gpu, shape, rows, candidate);
    }
}

} // namespace
} // namespace llmc::gputest
