// The main instantiations of the dense kernels (with the model families'
// q/k head norm), the sampler, the log-probabilities and the slot update
// compile through NVRTC for
// every target the compiler emits (sm_80, sm_90, sm_90a) without register
// spills. Needs NVRTC but no GPU, so it runs wherever the toolkit is installed;
// the ptxas resource lines are printed for the record.
#include "test/GPU/KernelHarness.h"

#include <cstdio>

namespace llmc::gputest {
namespace {

/// Each line: a kernel name and the kernel-library call that its wrapper
/// makes, as the code generator would write them.
const char *kInstantiations = R"(
#include "Embed.cuh"
#include "GemmMma.cuh"
#include "Gemv.cuh"
#include "RmsNorm.cuh"
#include "Rope.cuh"
#include "Logprobs.cuh"
#include "Sampling.cuh"
#include "SlotState.cuh"
using namespace llmc::kernels;

#define WRAP_PROJECTION(NAME, KERNEL, EPI)                                     \
  extern "C" __global__ void __launch_bounds__(KERNEL::kThreads)               \
      NAME(const bf16 *x, const bf16 *w, int T, EPI::Params p) {               \
    KERNEL::run(x, w, T, p);                                                   \
  }
#define WRAP_GEMM(NAME, KERNEL, EPI)                                           \
  extern "C" __global__ void __launch_bounds__(KERNEL::kThreads)               \
      NAME(const bf16 *x, const bf16 *w, int T, EPI::Params p) {               \
    extern __shared__ uint4 shared[];                                          \
    KERNEL::run(x, w, T, p, shared);                                           \
  }

using Large = MmaTileShape<128, 128, 32, 2, 4, 2>;
using Small = MmaTileShape<64, 64, 32, 2, 2, 2>;
using Heads48 = MmaTileShape<64, 96, 32, 2, 2, 3>;
using QkvLlama3 = RopeKvWriteEpilogue<32, 8, 128, 16, RopeLayout::HalfSplit>;
using QkvStories = RopeKvWriteEpilogue<6, 6, 48, 16, RopeLayout::HalfSplit>;
// Qwen3-8B: q/k head norm in the epilogue (the bias is a run-time pointer).
using QkvQwen3 =
    RopeKvWriteEpilogue<32, 8, 128, 16, RopeLayout::HalfSplit, true>;

using GemvT1 = Gemv<4096, 4096, 1, 4, 2, 16, StoreBf16Epilogue<4096>>;
using GemvT16 = Gemv<4096, 4096, 16, 4, 2, 16, StoreBf16Epilogue<4096>>;
using GemvSwiGlu = Gemv<28672, 4096, 4, 4, 2, 32, SwiGluEpilogue<28672>>;
using GemvDown = Gemv<4096, 14336, 1, 4, 4, 16, ResidualAddEpilogue<4096>>;
using GemvLogits = Gemv<128256, 4096, 1, 4, 2, 64, StoreF32Epilogue<128256>>;
using GemvQkv = Gemv<6144, 4096, 4, 8, 2, 128, QkvLlama3>;
WRAP_PROJECTION(gemv_t1_4096x4096, GemvT1, StoreBf16Epilogue<4096>)
WRAP_PROJECTION(gemv_t16_4096x4096, GemvT16, StoreBf16Epilogue<4096>)
WRAP_PROJECTION(gemv_t4_swiglu_28672x4096, GemvSwiGlu, SwiGluEpilogue<28672>)
WRAP_PROJECTION(gemv_t1_residual_4096x14336, GemvDown,
                ResidualAddEpilogue<4096>)
WRAP_PROJECTION(gemv_t1_logits_128256x4096, GemvLogits,
                StoreF32Epilogue<128256>)
WRAP_PROJECTION(gemv_t4_qkv_rope_kv_6144x4096, GemvQkv, QkvLlama3)
using GemvQkvQwen3 = Gemv<6144, 4096, 4, 8, 2, 128, QkvQwen3>;
WRAP_PROJECTION(gemv_t4_qkv_headnorm_6144x4096, GemvQkvQwen3, QkvQwen3)
// The decode QKV tile: 8 half-split pairs per block.
using GemvQkvPaired = Gemv<6144, 4096, 8, 8, 2, 16, QkvLlama3, 64>;
WRAP_PROJECTION(gemv_t8_qkv_paired_6144x4096, GemvQkvPaired, QkvLlama3)

using GemmPlain = GemmMma<4096, 4096, Large, StoreBf16Epilogue<4096>>;
using GemmSwiGlu = GemmMma<28672, 4096, Large, SwiGluEpilogue<28672>>;
using GemmQkv = GemmMma<6144, 4096, Large, QkvLlama3>;
using GemmDown = GemmMma<4096, 14336, Small, ResidualAddEpilogue<4096>>;
using GemmStoriesQkv = GemmMma<864, 288, Heads48, QkvStories>;
WRAP_GEMM(gemm_128x128_4096x4096, GemmPlain, StoreBf16Epilogue<4096>)
WRAP_GEMM(gemm_128x128_swiglu_28672x4096, GemmSwiGlu, SwiGluEpilogue<28672>)
WRAP_GEMM(gemm_128x128_qkv_rope_kv_6144x4096, GemmQkv, QkvLlama3)
WRAP_GEMM(gemm_64x64_residual_4096x14336, GemmDown, ResidualAddEpilogue<4096>)
WRAP_GEMM(gemm_64x96x3_qkv_rope_kv_864x288, GemmStoriesQkv, QkvStories)
using GemmQkvQwen3 = GemmMma<6144, 4096, Large, QkvQwen3>;
WRAP_GEMM(gemm_128x128_qkv_headnorm_6144x4096, GemmQkvQwen3, QkvQwen3)

extern "C" __global__ void __launch_bounds__(256)
    embed_128256x4096(const int *ids, const bf16 *table, bf16 *out, int T) {
  Embed<128256, 4096, 256>::run(ids, table, out, T);
}
extern "C" __global__ void __launch_bounds__(256)
    rmsnorm_4096(const bf16 *x, const bf16 *w, bf16 *out, float eps, int T) {
  RmsNorm<4096, 256>::run(x, w, out, eps, T);
}
extern "C" __global__ void __launch_bounds__(256)
    add_rmsnorm_4096(bf16 *r, const bf16 *x, const bf16 *w, bf16 *out,
                     float eps, int T) {
  AddRmsNorm<4096, 256>::run(r, x, w, out, eps, T);
}
extern "C" __global__ void __launch_bounds__(256)
    rmsnorm_gather_4096(const bf16 *x, const int *rowIndex, const bf16 *w,
                        bf16 *out, float eps, int rows) {
  RmsNormGather<4096, 256>::run(x, rowIndex, w, out, eps, rows);
}
extern "C" __global__ void __launch_bounds__(64)
    rmsnorm_gather_288(const bf16 *x, const int *rowIndex, const bf16 *w,
                       bf16 *out, float eps, int rows) {
  RmsNormGather<288, 64>::run(x, rowIndex, w, out, eps, rows);
}
extern "C" __global__ void __launch_bounds__(128)
    rope_kv_write_llama3(const bf16 *qkv, RopeKvParams p, int T) {
  RopeKvWriteKernel<32, 8, 128, 16, RopeLayout::HalfSplit, 128>::run(qkv, p,
                                                                     T);
}
extern "C" __global__ void __launch_bounds__(128)
    rope_kv_write_qwen3(const bf16 *qkv, RopeKvParams p, int T) {
  RopeKvWriteKernel<32, 8, 128, 16, RopeLayout::HalfSplit, 128, true>::run(
      qkv, p, T);
}
extern "C" __global__ void __launch_bounds__(128)
    rope_in_place_llama2(bf16 *x, const int *pos, const float *f, int T) {
  RopeInPlaceKernel<32, 128, RopeLayout::Interleaved, 128>::run(x, pos, f, T);
}

using Sampler = SamplingKernel<128256, 512>;
extern "C" __global__ void
    __launch_bounds__(Sampler::kThreads, Sampler::kMinBlocksPerSm)
    sample_128256(const float *logits, SlotState state, const int *slotMask,
                  int *sampled) {
  Sampler::run(logits, state, slotMask, sampled);
}
using Logprobs = LogprobsKernel<128256, 256>;
extern "C" __global__ void
    __launch_bounds__(Logprobs::kThreads, Logprobs::kMinBlocksPerSm)
    logprobs_128256(const float *logits, SlotState state, const int *slotMask,
                    const int *sampled, LogprobRingEntry *ring, int rows,
                    const unsigned *stepCounter) {
  Logprobs::run(logits, state, slotMask, sampled, ring, rows, stepCounter);
}
extern "C" __global__ void __launch_bounds__(128)
    slot_update(SlotState state, const int *slotMask, const int *sampled,
                TokenRingEntry *ring, int rows, unsigned *stepCounter) {
  SlotUpdateKernel<128>::run(state, slotMask, sampled, ring, rows,
                             stepCounter);
}
)";

class KernelCompileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(KernelCompileTest, MainInstantiationsCompileWithoutSpills) {
  const std::string arch = GetParam();
  StatusOr<CompiledSource> compiled =
      compileForArch(kInstantiations, "instantiations.cu", arch);
  if (!compiled.isOk() && compiled.status().message().find(
                              "NVRTC is not available") != std::string::npos)
    GTEST_SKIP() << compiled.status().message();
  ASSERT_TRUE(compiled.isOk()) << compiled.status().message();
  std::printf("%s", resourceReport(*compiled).c_str());
  EXPECT_EQ(compiled->kernels.size(), 25u) << compiled->log;
  for (const nvrtc::KernelResources &k : compiled->kernels) {
    EXPECT_EQ(k.spillStoreBytes, 0) << k.name << " spills on " << arch;
    EXPECT_EQ(k.spillLoadBytes, 0) << k.name << " spills on " << arch;
  }
}

INSTANTIATE_TEST_SUITE_P(Archs, KernelCompileTest,
                         ::testing::Values("sm_80", "sm_90", "sm_90a"));

} // namespace
} // namespace llmc::gputest
