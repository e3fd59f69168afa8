// Decode GEMV / skinny GEMM (Gemv.cuh) against the CPU reference, with every
// epilogue, over stories15M, Llama-2-7B and Llama-3-8B shapes, T = 1..16,
// partial column tiles, K not a multiple of the warp step, and T > MaxT.
// Tolerances: ProjectionTestSupport.cpp.
#include "test/GPU/ProjectionTestSupport.h"

#include <cstring>

namespace llmc::gputest {
namespace {

struct GemvTiling {
  int maxT, warps, rowsPerWarp, tileN;
  int pairSpan = 0; ///< paired tiles (half-split RoPE): head_dim / 2
  int kSplit = 1;   ///< warps sharing a row group, each over a slice of K
};

struct GemvCase {
  ProjectionCase projection;
  GemvTiling tiling;
};

ProjectionLaunch gemvLaunch(const ProjectionCase &c, const GemvTiling &g) {
  auto s = [](int v) { return std::to_string(v); };
  ProjectionLaunch launch;
  launch.source = "#include \"Gemv.cuh\"\n"
                  "using namespace llmc::kernels;\n"
                  "using Epi = " +
                  epilogueType(c) +
                  ";\n"
                  "using Kernel = Gemv<" +
                  s(c.n) + ", " + s(c.k) + ", " + s(g.maxT) + ", " +
                  s(g.warps) + ", " + s(g.rowsPerWarp) + ", " + s(g.tileN) +
                  ", Epi, " + s(g.pairSpan) + ", " + s(g.kSplit) +
                  ">;\n"
                  "extern \"C\" __global__ void "
                  "__launch_bounds__(Kernel::kThreads)\n"
                  "projection(const bf16 *x, const bf16 *w, int T, "
                  "Epi::Params params) {\n"
                  "  Kernel::run(x, w, T, params);\n"
                  "}\n";
  launch.grid = {unsigned((c.n + g.tileN - 1) / g.tileN)};
  launch.block = {unsigned(g.warps * 32)};
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
                      int k, int t, RopeStyle style, bool llama3) {
  ProjectionCase c = plain(std::move(label), (heads + 2 * kvHeads) * headDim, k,
                           t, EpilogueKind::RopeKv);
  c.heads = heads;
  c.kvHeads = kvHeads;
  c.headDim = headDim;
  c.style = style;
  c.llama3Frequencies = llama3;
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

std::vector<GemvCase> gemvCases() {
  return {
      // stories15M: dim 288, 6 heads of 48, ffn 768, vocab 32000.
      {plain("stories_wq_t1", 864, 288, 1, E::StoreBf16), {1, 4, 2, 16}},
      {plain("stories_wo_residual_t4", 288, 288, 4, E::ResidualAdd),
       {4, 4, 2, 64}}, // 288 = 4.5 tiles
      {plain("stories_w13_swiglu_t3", 1536, 288, 3, E::SwiGlu), {4, 4, 2, 32}},
      {plain("stories_w2_residual_t1", 288, 768, 1, E::ResidualAdd),
       {1, 4, 4, 32}},
      {plain("stories_logits_t2", 32000, 288, 2, E::StoreF32), {2, 4, 2, 64}},
      {ropeKv("stories_qkv_interleaved_t5", 6, 6, 48, 288, 5, kInter, false),
       {8, 4, 2, 48}},
      {ropeKv("stories_qkv_halfsplit_t3", 6, 6, 48, 288, 3, kHalf, false),
       {4, 4, 2, 48}},
      // Llama-2-7B: dim 4096, 32 heads of 128, ffn 11008.
      {plain("llama2_wo_t1", 4096, 4096, 1, E::StoreBf16), {1, 4, 2, 16}},
      {plain("llama2_wo_t16", 4096, 4096, 16, E::StoreBf16), {16, 4, 2, 16}},
      {plain("llama2_w13_swiglu_t4", 22016, 4096, 4, E::SwiGlu), {4, 4, 2, 32}},
      {plain("llama2_w2_residual_t7", 4096, 11008, 7, E::ResidualAdd),
       {8, 4, 2, 16}},
      {ropeKv("llama2_qkv_halfsplit_t2", 32, 32, 128, 4096, 2, kHalf, false),
       {2, 8, 2, 128}},
      // Llama-3-8B: GQA 32/8, ffn 14336, vocab 128256, Llama 3 RoPE scaling.
      {ropeKv("llama3_qkv_gqa_halfsplit_t4", 32, 8, 128, 4096, 4, kHalf, true),
       {4, 8, 2, 128}},
      {ropeKv("llama3_qkv_gqa_interleaved_t3", 32, 8, 128, 4096, 3, kInter,
              true),
       {4, 4, 2, 32}},
      {plain("llama3_w2_residual_t1", 4096, 14336, 1, E::ResidualAdd),
       {1, 4, 4, 16}},
      {plain("llama3_logits_t1", 128256, 4096, 1, E::StoreF32), {1, 4, 2, 64}},
      // The decode tiles: eight warps of two rows, 16 columns per block.
      {plain("llama2_wo_decode_t1", 4096, 4096, 1, E::StoreBf16),
       {8, 8, 2, 16}},
      {plain("llama2_w13_swiglu_decode_t8", 22016, 4096, 8, E::SwiGlu),
       {8, 8, 2, 16}},
      {plain("stories_w2_residual_decode_t3", 288, 768, 3, E::ResidualAdd),
       {8, 8, 2, 16}},
      // Awkward: N off the tile, K off the warp step, T > MaxT (two passes).
      {plain("odd_n1000_k520_t5_maxt2", 1000, 520, 5, E::StoreBf16),
       {2, 4, 2, 16}},
      // Model families (decode): Qwen2.5-7B q/k/v bias, Qwen3-8B q/k head
      // norm (a tile of one 128-wide head), both at 5/1 x 64.
      {withFamily(
           ropeKv("qwen25_qkv_bias_t4", 28, 4, 128, 3584, 4, kHalf, false),
           true, false),
       {4, 8, 2, 128}},
      {withFamily(
           ropeKv("qwen3_qkv_headnorm_t3", 32, 8, 128, 4096, 3, kHalf, false),
           false, true),
       {4, 8, 2, 128}},
      {withFamily(ropeKv("odd_qkv_bias_headnorm_hd64_t5", 5, 1, 64, 200, 5,
                         kHalf, true),
                  true, true),
       {8, 4, 2, 64}},
      // Paired tiles: 8 half-split pairs (i, i + head_dim / 2) per block,
      // several blocks per head, T below and above MaxT.
      {ropeKv("llama2_qkv_paired_decode_t1", 32, 32, 128, 4096, 1, kHalf,
              false),
       {8, 8, 2, 16, 64}},
      {ropeKv("llama3_qkv_gqa_paired_t5", 32, 8, 128, 4096, 5, kHalf, true),
       {4, 8, 2, 16, 64}},
      {ropeKv("stories_qkv_paired_t3", 6, 6, 48, 288, 3, kHalf, false),
       {8, 8, 2, 16, 24}},
      {withFamily(ropeKv("qwen25_qkv_bias_paired_t4", 28, 4, 128, 3584, 4,
                         kHalf, false),
                  true, false),
       {8, 8, 2, 16, 64}},
      {ropeKv("odd_qkv_paired_hd16_t3", 3, 1, 16, 200, 3, kHalf, false),
       {2, 4, 2, 4, 8}},
      // K split between warps: the decode tiles (four rows of four warps;
      // paired QKV in two sets of two), and awkward cases: K shorter than a
      // set step, K off the set step, N off the tile, T > MaxT, a set looping
      // over several row groups.
      {plain("llama2_wo_ksplit_t1", 4096, 4096, 1, E::StoreBf16),
       {8, 4, 4, 4, 0, 4}},
      {plain("llama2_w2_residual_ksplit_t8", 4096, 11008, 8, E::ResidualAdd),
       {8, 4, 4, 4, 0, 4}},
      {plain("llama2_w13_swiglu_ksplit_t3", 22016, 4096, 3, E::SwiGlu),
       {8, 4, 4, 4, 0, 4}},
      {ropeKv("llama2_qkv_paired_ksplit_t1", 32, 32, 128, 4096, 1, kHalf,
              false),
       {8, 4, 4, 8, 64, 2}},
      {ropeKv("llama3_qkv_gqa_paired_ksplit_t6", 32, 8, 128, 4096, 6, kHalf,
              true),
       {8, 4, 4, 8, 64, 2}},
      {ropeKv("stories_qkv_interleaved_ksplit_t2", 6, 6, 48, 288, 2, kInter,
              false),
       {8, 4, 4, 4, 0, 4}},
      {plain("stories_wo_ksplit_k288_t3", 288, 288, 3, E::StoreBf16),
       {4, 4, 4, 4, 0, 4}},
      {plain("odd_n1000_k520_ksplit_t7_maxt4", 1000, 520, 7, E::StoreBf16),
       {4, 4, 2, 6, 0, 2}},
      {plain("llama2_wo_ksplit_t16", 4096, 4096, 16, E::StoreBf16),
       {16, 4, 2, 2, 0, 4}},
      {plain("odd_n998_k4104_ksplit8_t2", 998, 4104, 2, E::StoreBf16),
       {2, 8, 1, 4, 0, 8}},
  };
}

class GemvTest : public ::testing::TestWithParam<GemvCase> {};

TEST_P(GemvTest, MatchesReference) {
  LLMC_REQUIRE_GPU();
  const GemvCase &c = GetParam();
  runProjectionCase(c.projection, [&](const ProjectionCase &p) {
    return gemvLaunch(p, c.tiling);
  });
}

// The one-row variant of a decode Gemv (the same tile with MaxT 1) must give
// every output bit for bit as the base kernel does for that row: a request's
// tokens must not depend on whether it decodes alone or beside others.
TEST(GemvOneRowVariant, MatchesTheBaseKernelBitForBit) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  struct Tile {
    int n, k, warps, rowsPerWarp, tileN, kSplit;
  };
  for (Tile t : {Tile{4096, 4096, 4, 2, 4, 2}, Tile{1000, 520, 4, 2, 4, 2},
                 Tile{22016, 4096, 4, 1, 2, 2}, Tile{288, 768, 8, 2, 16, 1}}) {
    auto s = [](int v) { return std::to_string(v); };
    std::string source =
        "#include \"Gemv.cuh\"\nusing namespace llmc::kernels;\n"
        "using Epi = StoreF32Epilogue<" +
        s(t.n) + ">;\n";
    for (int maxT : {1, 8})
      source += "extern \"C\" __global__ void gemv_" + s(maxT) +
                "(const bf16 *x, const bf16 *w, int T, Epi::Params p) {\n"
                "  Gemv<" +
                s(t.n) + ", " + s(t.k) + ", " + s(maxT) + ", " + s(t.warps) +
                ", " + s(t.rowsPerWarp) + ", " + s(t.tileN) + ", Epi, 0, " +
                s(t.kSplit) + ">::run(x, w, T, p);\n}\n";
    LLMC_GPU_ASSIGN(auto module, gpu.compile(source, "one_row.cu"));
    LLMC_GPU_ASSIGN(auto x, gpu.uploadBf16(randomUniform(t.k, 3, -1.0f, 1.0f)));
    LLMC_GPU_ASSIGN(auto w, gpu.uploadBf16(randomUniform(std::size_t(t.n) * t.k,
                                                         4, -0.05f, 0.05f)));
    std::vector<std::vector<float>> outputs;
    for (int maxT : {1, 8}) {
      LLMC_GPU_ASSIGN(auto out, gpu.allocate<float>(t.n));
      ASSERT_TRUE(module
                      .launch("gemv_" + s(maxT),
                              {unsigned((t.n + t.tileN - 1) / t.tileN)},
                              {unsigned(t.warps * 32)}, 0, x.pointer(),
                              w.pointer(), 1, out.pointer())
                      .isOk());
      LLMC_GPU_ASSIGN(auto values, out.download());
      outputs.push_back(std::move(values));
    }
    int differing = 0;
    for (int i = 0; i < t.n; ++i)
      differing += std::memcmp(&outputs[0][i], &outputs[1][i], 4) != 0;
    EXPECT_EQ(differing, 0) << t.n << "x" << t.k << " tile " << t.tileN;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, GemvTest, ::testing::ValuesIn(gemvCases()),
                         [](const ::testing::TestParamInfo<GemvCase> &info) {
                           return info.param.projection.label;
                         });

} // namespace
} // namespace llmc::gputest
