// Paged attention on the GPU against ref::attention: the prefill kernel
// (PagedAttentionPrefill.cuh) on batches of chunks, the split-KV decode pair
// (PagedAttentionDecode.cuh) on slots, for the head layouts of stories15M
// (6/6 x 48), Llama-2-7B (32/32 x 128), Llama-3-8B (32/8 x 128) and a 64-wide
// GQA layout, with block tables shuffled over the pool, context lengths that
// are not multiples of the block size, and several partition counts; and with
// a sliding window (Mistral: 32/8 x 128, plus odd windows on GQA shapes) whose
// blocks wholly before every query's window are released (-1 in the block
// table), so a kernel that reads them, or a partition outside the window that
// is not skipped, fails.
//
// Tolerances. q, k, v are bf16 and the reference runs in fp32 on the same
// rounded values, so the differences are:
//   decode:  fp32 throughout, output rounded to bf16 once (at most half an
//            ulp of an 8-bit significand, 2^-8 relative, for values just
//            above a power of two) plus accumulation-order noise (~1e-6):
//            rtol 5e-3, atol 1e-5;
//   prefill: additionally the softmax weights P are rounded to bf16 for the
//            tensor-core P V product (FlashAttention's choice): each weight
//            off by up to 2^-8 relative, so the output by up to 2^-8 of
//            max|v| = 1 in the worst case (all errors aligned; typically far
//            less): rtol 5e-3, atol 4e-3.
#include "test/GPU/AttentionTestSupport.h"

#include "runtime/model/WeightStore.h"
#include "runtime/reference/ReferenceOps.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace llmc::gputest {
namespace {

constexpr double kPrefillRtol = 5e-3, kPrefillAtol = 4e-3;
constexpr double kDecodeRtol = 5e-3, kDecodeAtol = 1e-5;
constexpr int kPrefillThreads = 128, kPrefillRowsPerCta = 64;
constexpr int kDecodeThreads = 128, kDecodeReduceThreads = 64;

std::string templateArgs(const AttentionShape &s) {
  return std::to_string(s.heads) + ", " + std::to_string(s.kvHeads) + ", " +
         std::to_string(s.headDim) + ", " + std::to_string(s.blockSize);
}

std::string prefillSource(const AttentionShape &shape) {
  return "#include \"PagedAttentionPrefill.cuh\"\n"
         "using namespace llmc::kernels;\n"
         "using Kernel = PagedAttentionPrefill<" +
         templateArgs(shape) +
         ">;\n"
         "extern \"C\" __global__ void __launch_bounds__(Kernel::kThreads)\n"
         "prefill(PrefillAttentionParams p) { Kernel::run(p); }\n";
}

/// One wrapper pair per partition size: decode_part_<P>, decode_reduce_<P>.
std::string decodeSource(const AttentionShape &shape,
                         const std::vector<int> &partitionSizes) {
  std::string source = "#include \"PagedAttentionDecode.cuh\"\n"
                       "using namespace llmc::kernels;\n";
  for (int p : partitionSizes) {
    const std::string P = std::to_string(p);
    source += "extern \"C\" __global__ void __launch_bounds__(128)\n"
              "decode_part_" +
              P +
              "(DecodeAttentionParams p) {\n"
              "  PagedAttentionDecodePartition<" +
              templateArgs(shape) + ", " + P +
              ">::run(p);\n}\n"
              "extern \"C\" __global__ void __launch_bounds__(64)\n"
              "decode_reduce_" +
              P +
              "(DecodeAttentionParams p) {\n"
              "  PagedAttentionDecodeReduce<" +
              std::to_string(shape.heads) + ", " +
              std::to_string(shape.headDim) + ", " + P + ">::run(p);\n}\n";
  }
  return source;
}

//===----------------------------------------------------------------------===//
// Prefill
//===----------------------------------------------------------------------===//

/// `length` new query tokens of the sequence in block-table row `slot`, at
/// positions start .. start + length - 1 (positions before start are history
/// from earlier chunks).
struct PrefillChunk {
  int slot, start, length;
};

struct PrefillCase {
  std::string name;
  AttentionShape shape;
  int numSlots;
  std::vector<PrefillChunk> chunks;
  /// Sliding window (0: full causal attention).
  int window = 0;
};

/// Marks unmapped (-1) the blocks of block-table row `slot` that lie wholly
/// before `firstVisible`: what a runtime may release under a sliding window.
void releaseBlocksBefore(PagedHistory &history, int slot, int blockSize,
                         int firstVisible) {
  for (int b = 0; (b + 1) * blockSize <= firstVisible; ++b)
    history.blockTables[std::size_t(slot) * history.maxBlocksPerSeq +
                        std::size_t(b)] = -1;
}

class PagedAttentionPrefillTest : public ::testing::TestWithParam<PrefillCase> {
};

TEST_P(PagedAttentionPrefillTest, MatchesReferenceOverShuffledBlocks) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  const PrefillCase &c = GetParam();
  const AttentionShape &shape = c.shape;
  LLMC_GPU_ASSIGN(KernelModule module,
                  gpu.compile(prefillSource(shape), c.name + ".cu"));

  // Every chunk's own k/v are already cached (the QKV epilogue runs first);
  // slots without a chunk keep an unrelated history the kernel must not read.
  std::vector<int> lengths(std::size_t(c.numSlots), 21);
  for (const PrefillChunk &chunk : c.chunks)
    lengths[std::size_t(chunk.slot)] = chunk.start + chunk.length;
  PagedHistory history = makePagedHistory(shape, lengths, 17);
  if (c.window > 0)
    for (const PrefillChunk &chunk : c.chunks)
      releaseBlocksBefore(history, chunk.slot, shape.blockSize,
                          chunk.start - c.window + 1);

  std::vector<int32_t> slots, starts, queryStarts{0};
  int maxChunk = 0;
  for (const PrefillChunk &chunk : c.chunks) {
    slots.push_back(chunk.slot);
    starts.push_back(chunk.start);
    queryStarts.push_back(queryStarts.back() + chunk.length);
    maxChunk = std::max(maxChunk, chunk.length);
  }
  const int rows = queryStarts.back();
  const int qColumns = shape.heads * shape.headDim;
  std::vector<float> q;
  std::vector<uint16_t> qBits = makeQueryRows(shape, rows, 5, q);
  const float scale = 1.0f / std::sqrt(float(shape.headDim));

  LLMC_GPU_ASSIGN(auto qDevice, gpu.upload(qBits));
  LLMC_GPU_ASSIGN(auto kPool, gpu.upload(history.kPool));
  LLMC_GPU_ASSIGN(auto vPool, gpu.upload(history.vPool));
  LLMC_GPU_ASSIGN(auto tables, gpu.upload(history.blockTables));
  LLMC_GPU_ASSIGN(auto slotDevice, gpu.upload(slots));
  LLMC_GPU_ASSIGN(auto startDevice, gpu.upload(starts));
  LLMC_GPU_ASSIGN(auto queryStartDevice, gpu.upload(queryStarts));
  LLMC_GPU_ASSIGN(auto out,
                  gpu.allocate<uint16_t>(std::size_t(rows) * qColumns));
  LLMC_GPU_CHECK(out.fill(0xFF));

  const CUdeviceptr layerBytes = history.layerOffset(kTestLayer) * 2;
  PrefillAttentionParamsArg params;
  params.q = qDevice.pointer();
  params.qRowStride = shape.qkvColumns();
  params.kCache = kPool.pointer() + layerBytes;
  params.vCache = vPool.pointer() + layerBytes;
  params.blockTables = tables.pointer();
  params.maxBlocksPerSeq = history.maxBlocksPerSeq;
  params.seqSlots = slotDevice.pointer();
  params.queryStarts = queryStartDevice.pointer();
  params.startPositions = startDevice.pointer();
  params.scale = scale;
  params.out = out.pointer();
  params.outRowStride = qColumns;
  params.window = c.window;
  const unsigned gridX = unsigned(
      (maxChunk * shape.group() + kPrefillRowsPerCta - 1) / kPrefillRowsPerCta);
  const auto started = std::chrono::steady_clock::now();
  LLMC_GPU_CHECK(module.launch(
      "prefill", {gridX, unsigned(shape.kvHeads), unsigned(c.chunks.size())},
      {kPrefillThreads}, 0, params));
  const double launchMs = std::chrono::duration<double, std::milli>(
                              std::chrono::steady_clock::now() - started)
                              .count();
  LLMC_GPU_ASSIGN(std::vector<float> actual, downloadBf16(out));

  std::vector<float> expected(std::size_t(rows) * qColumns);
  for (std::size_t i = 0; i < c.chunks.size(); ++i) {
    const PrefillChunk &chunk = c.chunks[i];
    std::vector<int32_t> positions(std::size_t(chunk.length));
    for (int t = 0; t < chunk.length; ++t)
      positions[std::size_t(t)] = chunk.start + t;
    const std::size_t at = std::size_t(queryStarts[i]) * qColumns;
    ref::attention(q.data() + at, history.caches[std::size_t(chunk.slot)],
                   kTestLayer, positions.data(), chunk.length, shape.heads,
                   scale, expected.data() + at, nullptr, c.window);
  }
  EXPECT_TRUE(matchesReference(actual, expected, kPrefillRtol, kPrefillAtol,
                               "prefill " + c.name));
  Comparison comparison =
      compareToReference(actual, expected, kPrefillRtol, kPrefillAtol);
  std::printf("prefill %-28s max abs error %.3g (max |expected| %.3g), "
              "launch + sync %.3f ms (first launch, sanity only)\n",
              c.name.c_str(), comparison.maxAbsError, comparison.maxAbsExpected,
              launchMs);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, PagedAttentionPrefillTest,
    ::testing::Values(
        // stories15M: one chunk from position 0, a later chunk of a longer
        // prompt, single-token chunks (one at position 0).
        PrefillCase{"stories15M_6x6x48",
                    {6, 6, 48, 16},
                    5,
                    {{1, 0, 37}, {3, 29, 64}, {0, 200, 1}, {4, 0, 1}}},
        // Llama-3-8B: GQA 32/8, chunks past a tile of 64 rows.
        PrefillCase{"llama3_8b_32x8x128",
                    {32, 8, 128, 16},
                    6,
                    {{2, 0, 100}, {0, 77, 45}, {5, 300, 3}}},
        // Llama-2-7B: no GQA, 128-wide heads.
        PrefillCase{"llama2_7b_32x32x128",
                    {32, 32, 128, 16},
                    2,
                    {{0, 0, 70}, {1, 130, 17}}},
        // 64-wide heads, group 4, blocks of 32.
        PrefillCase{
            "gqa_8x2x64_bs32", {8, 2, 64, 32}, 3, {{0, 0, 129}, {2, 63, 65}}},
        // Group 8 (one kv head) and blocks larger than a key tile.
        PrefillCase{
            "mqa_8x1x64_bs128", {8, 1, 64, 128}, 2, {{1, 0, 33}, {0, 250, 20}}},
        // Mistral-7B heads with a window shorter than the chunks: rows whose
        // window starts tiles after the CTA's first row, chunks starting
        // past the window (released blocks), a chunk from position 0.
        PrefillCase{"mistral_32x8x128_window100",
                    {32, 8, 128, 16},
                    4,
                    {{0, 0, 150}, {1, 300, 70}, {3, 513, 1}},
                    100},
        // Odd window, group 4, blocks of 32; window smaller than a key tile.
        PrefillCase{"gqa_8x2x64_bs32_window37",
                    {8, 2, 64, 32},
                    3,
                    {{0, 0, 129}, {2, 200, 65}},
                    37},
        // A window of one: each query sees only its own key.
        PrefillCase{"gqa_8x2x64_window1", {8, 2, 64, 16}, 2, {{1, 5, 40}}, 1}),
    [](const auto &info) { return info.param.name; });

//===----------------------------------------------------------------------===//
// Decode
//===----------------------------------------------------------------------===//

struct DecodeCase {
  std::string name;
  AttentionShape shape;
  /// Per slot: the query's position; -1 is an idle slot.
  std::vector<int> positions;
  /// Per slot: nonzero marks a finished slot (skipped, history kept).
  std::vector<int> finished;
  /// Grid x is ceil(maxContext / P), at least the longest context.
  int maxContext;
  std::vector<int> partitionSizes;
  /// Sliding window (0: full causal attention).
  int window = 0;
};

class PagedAttentionDecodeTest : public ::testing::TestWithParam<DecodeCase> {};

TEST_P(PagedAttentionDecodeTest, MatchesReferenceForEveryPartitionSize) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  const DecodeCase &c = GetParam();
  const AttentionShape &shape = c.shape;
  LLMC_GPU_ASSIGN(
      KernelModule module,
      gpu.compile(decodeSource(shape, c.partitionSizes), c.name + ".cu"));
  const int slots = int(c.positions.size());
  std::vector<int> lengths(static_cast<std::size_t>(slots));
  for (int s = 0; s < slots; ++s)
    lengths[std::size_t(s)] = c.positions[std::size_t(s)] + 1;
  PagedHistory history = makePagedHistory(shape, lengths, 29);
  if (c.window > 0)
    for (int s = 0; s < slots; ++s)
      if (c.positions[std::size_t(s)] >= 0)
        releaseBlocksBefore(history, s, shape.blockSize,
                            c.positions[std::size_t(s)] - c.window + 1);
  const int qColumns = shape.heads * shape.headDim;
  std::vector<float> q;
  std::vector<uint16_t> qBits = makeQueryRows(shape, slots, 11, q);
  const float scale = 1.0f / std::sqrt(float(shape.headDim));

  std::vector<float> expected(std::size_t(slots) * qColumns);
  for (int s = 0; s < slots; ++s)
    if (c.positions[std::size_t(s)] >= 0 && c.finished[std::size_t(s)] == 0)
      ref::attention(
          q.data() + std::size_t(s) * qColumns, history.caches[std::size_t(s)],
          kTestLayer, &c.positions[std::size_t(s)], 1, shape.heads, scale,
          expected.data() + std::size_t(s) * qColumns, nullptr, c.window);

  LLMC_GPU_ASSIGN(auto qDevice, gpu.upload(qBits));
  LLMC_GPU_ASSIGN(auto kPool, gpu.upload(history.kPool));
  LLMC_GPU_ASSIGN(auto vPool, gpu.upload(history.vPool));
  LLMC_GPU_ASSIGN(auto tables, gpu.upload(history.blockTables));
  LLMC_GPU_ASSIGN(auto positions, gpu.upload(std::vector<int32_t>(
                                      c.positions.begin(), c.positions.end())));
  LLMC_GPU_ASSIGN(auto finished, gpu.upload(std::vector<int32_t>(
                                     c.finished.begin(), c.finished.end())));
  const CUdeviceptr layerBytes = history.layerOffset(kTestLayer) * 2;

  for (int partitionSize : c.partitionSizes) {
    const int maxPartitions =
        (c.maxContext + partitionSize - 1) / partitionSize;
    const std::size_t partials =
        std::size_t(slots) * shape.heads * maxPartitions;
    LLMC_GPU_ASSIGN(auto partialOut,
                    gpu.allocate<float>(partials * shape.headDim));
    LLMC_GPU_ASSIGN(auto partialMax, gpu.allocate<float>(partials));
    LLMC_GPU_ASSIGN(auto partialSum, gpu.allocate<float>(partials));
    LLMC_GPU_ASSIGN(auto out,
                    gpu.allocate<uint16_t>(std::size_t(slots) * qColumns));
    LLMC_GPU_CHECK(out.fill(0xFF));
    LLMC_GPU_CHECK(partialOut.fill(0xFF));

    DecodeAttentionParamsArg params;
    params.q = qDevice.pointer();
    params.qRowStride = shape.qkvColumns();
    params.kCache = kPool.pointer() + layerBytes;
    params.vCache = vPool.pointer() + layerBytes;
    params.blockTables = tables.pointer();
    params.maxBlocksPerSeq = history.maxBlocksPerSeq;
    params.positions = positions.pointer();
    // No finished slot: exercise the kernel's null `finished` path.
    const bool anyFinished = std::any_of(c.finished.begin(), c.finished.end(),
                                         [](int f) { return f != 0; });
    params.finished = anyFinished ? finished.pointer() : 0;
    params.scale = scale;
    params.partialOut = partialOut.pointer();
    params.partialMax = partialMax.pointer();
    params.partialSum = partialSum.pointer();
    params.maxPartitions = maxPartitions;
    params.out = out.pointer();
    params.outRowStride = qColumns;
    params.window = c.window;
    const std::string P = std::to_string(partitionSize);
    LLMC_GPU_CHECK(module.launch(
        "decode_part_" + P,
        {unsigned(maxPartitions), unsigned(shape.kvHeads), unsigned(slots)},
        {kDecodeThreads}, 0, params));
    LLMC_GPU_CHECK(module.launch("decode_reduce_" + P,
                                 {unsigned(shape.heads), unsigned(slots)},
                                 {kDecodeReduceThreads}, 0, params));
    LLMC_GPU_ASSIGN(std::vector<uint16_t> bits, out.download());

    // Active slots match the reference; idle and finished rows are untouched.
    std::vector<float> actual, wanted;
    for (int s = 0; s < slots; ++s) {
      const std::size_t begin = std::size_t(s) * qColumns;
      if (c.positions[std::size_t(s)] < 0 || c.finished[std::size_t(s)]) {
        EXPECT_TRUE(allPoison(bits, begin, begin + qColumns))
            << "slot " << s << " must not be written (P " << P << ")";
        continue;
      }
      for (int i = 0; i < qColumns; ++i) {
        actual.push_back(bf16ToFloat(bits[begin + std::size_t(i)]));
        wanted.push_back(expected[begin + std::size_t(i)]);
      }
    }
    const std::string what = "decode " + c.name + " P=" + P + " (" +
                             std::to_string(maxPartitions) + " partitions)";
    EXPECT_TRUE(
        matchesReference(actual, wanted, kDecodeRtol, kDecodeAtol, what));
    Comparison comparison =
        compareToReference(actual, wanted, kDecodeRtol, kDecodeAtol);
    std::printf("%-48s max abs error %.3g, max rel error %.3g\n", what.c_str(),
                comparison.maxAbsError, comparison.maxRelError);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, PagedAttentionDecodeTest,
                         ::testing::Values(
                             // stories15M (context 256): position 0, a full
                             // context, an idle and a finished slot.
                             DecodeCase{"stories15M_6x6x48",
                                        {6, 6, 48, 16},
                                        {0, 100, 255, -1, 17, 40},
                                        {0, 0, 0, 4, 0, 1},
                                        256,
                                        {64, 128, 256}},
                             DecodeCase{"llama3_8b_32x8x128",
                                        {32, 8, 128, 16},
                                        {0, 15, 16, -1, 1000, 777, 63},
                                        {0, 0, 0, 4, 0, 1, 0},
                                        1100,
                                        {64, 256, 512}},
                             DecodeCase{"llama2_7b_32x32x128",
                                        {32, 32, 128, 16},
                                        {300, 4, 511},
                                        {0, 0, 0},
                                        600,
                                        {128, 512}},
                             DecodeCase{"gqa_8x2x64_bs32",
                                        {8, 2, 64, 32},
                                        {31, 32, 33, 2047, 1},
                                        {0, 0, 0, 0, 0},
                                        2048,
                                        {64, 512}},
                             // Mistral-7B heads, window 4096 on contexts
                             // around it (partitions wholly before the
                             // window skipped, their blocks released).
                             DecodeCase{"mistral_32x8x128_window4096",
                                        {32, 8, 128, 16},
                                        {0, 4095, 4096, 5000, -1, 9000},
                                        {0, 0, 0, 0, 4, 0},
                                        9100,
                                        {256, 512},
                                        4096},
                             // Odd window inside one partition, partition
                             // borders and a window of one.
                             DecodeCase{"gqa_8x2x64_bs32_window100",
                                        {8, 2, 64, 32},
                                        {99, 100, 130, 700, 1000},
                                        {0, 0, 0, 0, 0},
                                        1024,
                                        {64, 128},
                                        100},
                             DecodeCase{"gqa_8x2x64_window1",
                                        {8, 2, 64, 16},
                                        {0, 63, 64, 300},
                                        {0, 0, 0, 0},
                                        320,
                                        {64},
                                        1}),
                         [](const auto &info) { return info.param.name; });

//===----------------------------------------------------------------------===//
// Compilation (no GPU needed)
//===----------------------------------------------------------------------===//

class PagedAttentionCompileTest : public ::testing::TestWithParam<std::string> {
};

/// The shapes of the models we serve first, as the code generator would
/// instantiate them.
const char *kAttentionInstantiations = R"(
#include "PagedAttentionDecode.cuh"
#include "PagedAttentionPrefill.cuh"
using namespace llmc::kernels;
#define WRAP(NAME, KERNEL)                                                     \
  extern "C" __global__ void __launch_bounds__(KERNEL::kThreads)               \
      NAME(KERNEL##Params p) {                                                 \
    KERNEL::run(p);                                                            \
  }
using PrefillLlama3 = PagedAttentionPrefill<32, 8, 128, 16>;
using PrefillStories = PagedAttentionPrefill<6, 6, 48, 16>;
using PartitionLlama3 = PagedAttentionDecodePartition<32, 8, 128, 16, 512>;
using ReduceLlama3 = PagedAttentionDecodeReduce<32, 128, 512>;
using PartitionStories = PagedAttentionDecodePartition<6, 6, 48, 16, 256>;
using ReduceStories = PagedAttentionDecodeReduce<6, 48, 256>;
using PrefillLlama3Params = PrefillAttentionParams;
using PrefillStoriesParams = PrefillAttentionParams;
using PartitionLlama3Params = DecodeAttentionParams;
using ReduceLlama3Params = DecodeAttentionParams;
using PartitionStoriesParams = DecodeAttentionParams;
using ReduceStoriesParams = DecodeAttentionParams;
WRAP(prefill_llama3, PrefillLlama3)
WRAP(prefill_stories, PrefillStories)
WRAP(decode_partition_llama3, PartitionLlama3)
WRAP(decode_reduce_llama3, ReduceLlama3)
WRAP(decode_partition_stories, PartitionStories)
WRAP(decode_reduce_stories, ReduceStories)
)";

TEST_P(PagedAttentionCompileTest, MainInstantiationsCompileWithoutSpills) {
  const std::string arch = GetParam();
  StatusOr<CompiledSource> compiled =
      compileForArch(kAttentionInstantiations, "attention.cu", arch);
  if (!compiled.isOk() && compiled.status().message().find(
                              "NVRTC is not available") != std::string::npos)
    GTEST_SKIP() << compiled.status().message();
  ASSERT_TRUE(compiled.isOk()) << compiled.status().message();
  std::printf("%s", resourceReport(*compiled).c_str());
  EXPECT_EQ(compiled->kernels.size(), 6u) << compiled->log;
  for (const nvrtc::KernelResources &k : compiled->kernels) {
    EXPECT_EQ(k.spillStoreBytes, 0) << k.name << " spills on " << arch;
    EXPECT_EQ(k.spillLoadBytes, 0) << k.name << " spills on " << arch;
  }
}

INSTANTIATE_TEST_SUITE_P(Archs, PagedAttentionCompileTest,
                         ::testing::Values("sm_80", "sm_90", "sm_90a"));

} // namespace
} // namespace llmc::gputest
