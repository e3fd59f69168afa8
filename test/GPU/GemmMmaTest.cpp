// Prefill tensor-core GEMM (GemmMma.cuh) against the CPU reference, with every
// epilogue, over stories15M, Llama-2-7B and Llama-3-8B shapes; token counts
// that are not multiples of the tile (including M = 1), N and K off the tile,
// 2 and 3 pipeline stages, and prefill RoPE + KV writes of several sequences.
// Tolerances: ProjectionTestSupport.cpp.
#include "test/GPU/ProjectionTestSupport.h"

namespace llmc::gputest {
namespace {

struct MmaTiling {
  int bm, bn, bk, warpsM, warpsN, stages;
  int kSplit = 1; ///< blocks of a cluster per output tile (sm_90)

  unsigned sharedBytes() const {
    unsigned operands = unsigned(stages * (bm + bn) * (bk + 8) * 2);
    unsigned epilogue = unsigned(bm * (bn + 8) * 4);
    return std::max(operands, epilogue);
  }
};

struct GemmCase {
  ProjectionCase projection;
  MmaTiling tiling;
};

ProjectionLaunch gemmLaunch(const ProjectionCase &c, const MmaTiling &g) {
  auto s = [](int v) { return std::to_string(v); };
  ProjectionLaunch launch;
  launch.source =
      "#include \"GemmMma.cuh\"\n"
      "using namespace llmc::kernels;\n"
      "using Epi = " +
      epilogueType(c) +
      ";\n"
      "using Kernel = GemmMma<" +
      s(c.n) + ", " + s(c.k) + ", MmaTileShape<" + s(g.bm) + ", " + s(g.bn) +
      ", " + s(g.bk) + ", " + s(g.warpsM) + ", " + s(g.warpsN) + ", " +
      s(g.stages) + ">, Epi, " + s(g.kSplit) +
      ">;\n"
      "static_assert(Kernel::kSharedBytes == " +
      s(int(g.sharedBytes())) +
      ", \"the test's shared-memory size\");\n"
      "extern \"C\" __global__ void " +
      (g.kSplit > 1 ? "__cluster_dims__(1, 1, " + s(g.kSplit) + ") "
                    : std::string()) +
      "__launch_bounds__(Kernel::kThreads)\n"
      "projection(const bf16 *x, const bf16 *w, int T, Epi::Params params) {\n"
      "  extern __shared__ uint4 shared[];\n"
      "  Kernel::run(x, w, T, params, shared);\n"
      "}\n";
  launch.grid = {unsigned((c.n + g.bn - 1) / g.bn),
                 unsigned((c.t + g.bm - 1) / g.bm), unsigned(g.kSplit)};
  launch.block = {unsigned(g.warpsM * g.warpsN * 32)};
  launch.sharedBytes = g.sharedBytes();
  return launch;
}

ProjectionCase plain(std::string label, int n, int k, int t,
                     EpilogueKind epilogue) {
  ProjectionCase c;
  c.label = std::move(label);
  c.n = n;
  c.k = k;
  c.t = t;
  c.epilogue = epilogue;
  return c;
}

ProjectionCase ropeKv(std::string label, int heads, int kvHeads, int headDim,
                      int k, RopeStyle style, bool llama3,
                      std::vector<std::pair<int, int>> sequences) {
  int t = 0;
  for (auto [start, length] : sequences)
    t += length;
  ProjectionCase c = plain(std::move(label), (heads + 2 * kvHeads) * headDim, k,
                           t, EpilogueKind::RopeKv);
  c.heads = heads;
  c.kvHeads = kvHeads;
  c.headDim = headDim;
  c.style = style;
  c.llama3Frequencies = llama3;
  c.sequences = std::move(sequences);
  return c;
}

/// `c` with the model-family steps of its RopeKv epilogue switched on.
ProjectionCase withFamily(ProjectionCase c, bool qkvBias, bool headNorm) {
  c.qkvBias = qkvBias;
  c.headNorm = headNorm;
  return c;
}

using E = EpilogueKind;
const RopeStyle kHalf = RopeStyle::HalfSplit, kInter = RopeStyle::Interleaved;
const MmaTiling kLarge = {128, 128, 32, 2, 4, 2};
const MmaTiling kSmall = {64, 64, 32, 2, 2, 2};
/// Whole 48-wide heads per tile (stories15M half-split RoPE), 3 stages.
const MmaTiling kHeads48 = {64, 96, 32, 2, 2, 3};
/// The decode tiles: deep K tiles and four stages, a head per tile for RoPE.
const MmaTiling kDecode = {64, 64, 64, 2, 2, 4};
const MmaTiling kDecodeHeads = {64, 128, 64, 2, 4, 4};
/// The decode tiles split over K by clusters of 2, 4 and 8 blocks.
MmaTiling splitK(MmaTiling tiling, int kSplit) {
  tiling.kSplit = kSplit;
  return tiling;
}

std::vector<GemmCase> gemmCases() {
  return {
      // stories15M
      {ropeKv("stories_qkv_halfsplit_2seqs", 6, 6, 48, 288, kHalf, false,
              {{0, 37}, {10, 20}}),
       kHeads48},
      {ropeKv("stories_qkv_interleaved_100", 6, 6, 48, 288, kInter, false,
              {{0, 100}}),
       kSmall},
      {plain("stories_w13_swiglu_t77", 1536, 288, 77, E::SwiGlu), kSmall},
      {plain("stories_wo_residual_t50", 288, 288, 50, E::ResidualAdd),
       kHeads48},
      {plain("stories_logits_t40", 32000, 288, 40, E::StoreF32), kLarge},
      // Llama-2-7B
      {plain("llama2_wo_t200", 4096, 4096, 200, E::StoreBf16), kLarge},
      {plain("llama2_w13_swiglu_t129", 22016, 4096, 129, E::SwiGlu), kLarge},
      {plain("llama2_w2_residual_t65", 4096, 11008, 65, E::ResidualAdd),
       kSmall},
      // Llama-3-8B (GQA 32/8, Llama 3 RoPE scaling)
      {ropeKv("llama3_qkv_gqa_halfsplit_3seqs", 32, 8, 128, 4096, kHalf, true,
              {{0, 150}, {40, 100}, {7, 50}}),
       kLarge},
      {ropeKv("llama3_qkv_gqa_interleaved_33", 32, 8, 128, 4096, kInter, true,
              {{5, 33}}),
       kSmall},
      {plain("llama3_w2_residual_t20", 4096, 14336, 20, E::ResidualAdd),
       kLarge},
      // Decode tiles: a few slot rows, K off BK, a head per tile.
      {ropeKv("llama2_qkv_decode_halfsplit_3seqs", 32, 32, 128, 4096, kHalf,
              false, {{20, 1}, {300, 1}, {7, 1}}),
       kDecodeHeads},
      {plain("llama2_w2_residual_decode_t37", 4096, 11008, 37, E::ResidualAdd),
       kDecode},
      {plain("llama2_w13_swiglu_decode_t1", 22016, 4096, 1, E::SwiGlu),
       kDecode},
      {plain("odd_n1000_k520_decode_t3", 1000, 520, 3, E::StoreBf16), kDecode},
      // Awkward: M = 1, N off the tile, K off BK (a partial last K tile).
      {plain("odd_n1000_k520_t1", 1000, 520, 1, E::StoreBf16), kSmall},
      {plain("odd_n1000_k520_t17", 1000, 520, 17, E::StoreF32), kLarge},
      // Model families: Qwen2.5-7B (28/4 x 128, q/k/v bias), Qwen3-8B
      // (32/8 x 128, q/k head norm) in prefill and decode tiles, and both at
      // an odd shape (5/1 x 64, K off BK, Llama 3 frequencies).
      {withFamily(ropeKv("qwen25_qkv_bias_2seqs", 28, 4, 128, 3584, kHalf,
                         false, {{0, 70}, {33, 20}}),
                  true, false),
       kLarge},
      {withFamily(ropeKv("qwen3_qkv_headnorm_2seqs", 32, 8, 128, 4096, kHalf,
                         false, {{0, 65}, {9, 30}}),
                  false, true),
       kLarge},
      {withFamily(ropeKv("qwen3_qkv_headnorm_decode", 32, 8, 128, 4096, kHalf,
                         false, {{20, 1}, {300, 1}, {5, 1}}),
                  false, true),
       kDecodeHeads},
      {withFamily(ropeKv("odd_qkv_bias_headnorm_hd64", 5, 1, 64, 200, kHalf,
                         true, {{3, 37}}),
                  true, true),
       kSmall},
      // Split K (clusters): every epilogue, rows in several blocks' shares
      // and past numRows, a last block with fewer K tiles (11008 / 64 = 172
      // tiles in 8 blocks of 22), blocks with no K tile at all (520: 9 tiles
      // in 8 blocks of 2), two row tiles, a 64x128 head tile.
      {ropeKv("split_llama2_qkv_decode_halfsplit_3seqs", 32, 32, 128, 4096,
              kHalf, false, {{20, 1}, {300, 1}, {7, 1}}),
       splitK(kDecodeHeads, 8)},
      {ropeKv("split_llama3_qkv_gqa_interleaved_5seqs", 32, 8, 128, 4096,
              kInter, true, {{2, 1}, {90, 1}, {1, 1}, {17, 1}, {0, 1}}),
       splitK(kDecode, 4)},
      {plain("split_llama2_w2_residual_t37", 4096, 11008, 37, E::ResidualAdd),
       splitK(kDecode, 8)},
      {plain("split_llama2_w13_swiglu_t64", 22016, 4096, 64, E::SwiGlu),
       splitK(kDecode, 2)},
      {plain("split_llama2_wo_t100", 4096, 4096, 100, E::StoreBf16),
       splitK(kDecode, 8)},
      {plain("split_odd_n1000_k520_t3", 1000, 520, 3, E::StoreF32),
       splitK(kDecode, 8)},
      {withFamily(ropeKv("split_qwen3_qkv_headnorm_decode", 32, 8, 128, 4096,
                         kHalf, false, {{20, 1}, {300, 1}, {5, 1}}),
                  false, true),
       splitK(kDecodeHeads, 4)},
  };
}

class GemmMmaTest : public ::testing::TestWithParam<GemmCase> {};

TEST_P(GemmMmaTest, MatchesReference) {
  LLMC_REQUIRE_GPU();
  const GemmCase &c = GetParam();
  const std::string arch = GpuContext::get()->arch(); // "sm_90"
  if (c.tiling.kSplit > 1 && std::stoi(arch.substr(arch.find('_') + 1)) < 90)
    GTEST_SKIP() << "split K needs thread-block clusters (sm_90)";
  runProjectionCase(c.projection, [&](const ProjectionCase &p) {
    return gemmLaunch(p, c.tiling);
  });
}

INSTANTIATE_TEST_SUITE_P(Shapes, GemmMmaTest, ::testing::ValuesIn(gemmCases()),
                         [](const ::testing::TestParamInfo<GemmCase> &info) {
                           return info.param.projection.label;
                         });

} // namespace
} // namespace llmc::gputest
