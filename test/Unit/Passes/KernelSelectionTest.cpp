// KernelSelection: the tile rules, launch shapes, costs and refusals that
// llm-outline-kernels writes onto kernel launches, on real model shapes
// (stories15M: dim 288, 6 heads of 48, interleaved RoPE; Llama-3-8B: dim
// 4096, 32 heads over 8 KV heads of 128, half-split RoPE). The tile checks
// restate the kernel templates' static_asserts (compiler/kernels/*.cuh): a
// choice that breaks one would not compile.
#include "compiler/kernels/registry/KernelSelection.h"

#include "runtime/engine/LaunchDims.h"

#include <gtest/gtest.h>

using namespace llmc;

namespace {

/// The default engine shape, with the slot count and block size a test
/// varies.
KernelOptions options(int64_t maxSlots = EngineShape().maxSlots,
                      int64_t blockSize = EngineShape().kvBlockSize) {
  KernelOptions result;
  result.maxSlots = maxSlots;
  result.kvBlockSize = blockSize;
  return result;
}

ProjectionShape projection(int64_t n, int64_t k,
                           EpilogueKind epilogue = EpilogueKind::StoreBf16) {
  ProjectionShape shape;
  shape.n = n;
  shape.k = k;
  shape.epilogue = epilogue;
  return shape;
}

/// The merged QKV projection of `attention` over a `dim`-wide input.
ProjectionShape qkv(const AttentionShape &attention, int64_t dim,
                    bool halfSplit) {
  ProjectionShape shape =
      projection((attention.heads + 2 * attention.kvHeads) * attention.headDim,
                 dim, EpilogueKind::RopeKvWrite);
  shape.attention = attention;
  shape.halfSplitRope = halfSplit;
  return shape;
}

const AttentionShape kStories = {6, 6, 48, 256};
const AttentionShape kLlama3 = {32, 8, 128, 8192};

/// Evaluates grid dimension `axis` of `choice` for these sizes.
int64_t gridDim(const KernelChoice &choice, int axis, int64_t rows,
                int64_t seqs = 1, int64_t maxChunkRows = 1) {
  StatusOr<LaunchDim> dim = parseLaunchDim(choice.grid[axis]);
  EXPECT_TRUE(dim.isOk()) << choice.grid[axis];
  if (!dim.isOk())
    return -1;
  LaunchSizes sizes;
  sizes.rows = rows;
  sizes.seqs = seqs;
  sizes.maxChunkRows = maxChunkRows;
  return dim->evaluate(sizes);
}

/// GemmMma's static_asserts and launch rules for its chosen tile.
void expectValidMmaTile(const KernelChoice &choice, int64_t columnUnit) {
  ASSERT_EQ(choice.templateName, "GemmMma");
  int64_t bm = choice.param("BM"), bn = choice.param("BN");
  int64_t warpsM = choice.param("WarpsM"), warpsN = choice.param("WarpsN");
  EXPECT_EQ(bm % (16 * warpsM), 0) << "warp tile M must be whole m16s";
  EXPECT_EQ(bn % (16 * warpsN), 0) << "warp tile N must be whole n16s";
  EXPECT_EQ(choice.param("BK") % 16, 0);
  EXPECT_GE(choice.param("Stages"), 2);
  EXPECT_EQ(bn % columnUnit, 0) << "the epilogue's pairs must share a tile";
  EXPECT_EQ(choice.blockThreads, warpsM * warpsN * 32);
  int64_t operands =
      choice.param("Stages") * (bm + bn) * (choice.param("BK") + 8) * 2;
  int64_t epilogue = bm * (bn + 8) * 4;
  EXPECT_EQ(choice.dynamicSharedBytes, std::max(operands, epilogue));
}

TEST(KernelSelection, PrefillProjectionsUseLargeTilesFromWidth2048) {
  auto wide = selectProjection(projection(4096, 4096),
                               ProjectionRows::PrefillTokens, options());
  ASSERT_TRUE(wide.isOk()) << wide.status().message();
  expectValidMmaTile(*wide, 2);
  EXPECT_EQ(wide->param("BM"), 128);
  EXPECT_EQ(wide->param("BN"), 128);
  EXPECT_EQ(wide->dynamicSharedBytes, 69632);
  EXPECT_EQ(gridDim(*wide, 0, 300), 32);
  EXPECT_EQ(gridDim(*wide, 1, 300), 3);

  auto narrow = selectProjection(projection(288, 288),
                                 ProjectionRows::PrefillTokens, options());
  ASSERT_TRUE(narrow.isOk()) << narrow.status().message();
  expectValidMmaTile(*narrow, 2);
  EXPECT_EQ(narrow->param("BM"), 64);
  EXPECT_EQ(narrow->param("BN"), 64);
  EXPECT_EQ(narrow->dynamicSharedBytes, 30720);
  EXPECT_EQ(gridDim(*narrow, 0, 300), 5);
  EXPECT_EQ(gridDim(*narrow, 1, 300), 5);
}

TEST(KernelSelection, CoarsePrefillTilesHaveAFewRowsTile) {
  auto wide =
      selectProjection(projection(4096, 11008, EpilogueKind::ResidualAdd),
                       ProjectionRows::PrefillTokens, options());
  ASSERT_TRUE(wide.isOk()) << wide.status().message();
  ASSERT_EQ(wide->variants.size(), 1u);
  const KernelVariant &few = wide->variants[0];
  EXPECT_EQ(few.suffix, "_few_rows");
  EXPECT_EQ(few.templateName, "GemmMma");
  EXPECT_TRUE(few.guard.archs.empty()) << "every arch runs it";
  EXPECT_EQ(few.guard.minRows, 0);
  EXPECT_EQ(few.guard.maxRows, 256);
  // The weight-streaming tile of decode, on the same problem.
  KernelChoice asTile = *wide;
  asTile.params = few.params;
  asTile.grid = few.grid;
  asTile.blockThreads = few.blockThreads;
  asTile.dynamicSharedBytes = few.dynamicSharedBytes;
  expectValidMmaTile(asTile, 2);
  EXPECT_EQ(asTile.param("N"), 4096);
  EXPECT_EQ(asTile.param("K"), 11008);
  EXPECT_EQ(asTile.param("BM"), 64);
  EXPECT_EQ(asTile.param("BK"), 64);
  EXPECT_EQ(asTile.param("Stages"), 4);
  EXPECT_EQ(few.grid[1], "ceildiv(rows, 64)");
  EXPECT_EQ(gridDim(asTile, 0, 128), 64); // 4096 / 64 columns
  EXPECT_EQ(gridDim(asTile, 1, 128), 2);

  // A half-split RoPE head stays whole in the few-rows tile too.
  auto qkvChoice = selectProjection(qkv(kLlama3, 4096, true),
                                    ProjectionRows::PrefillTokens, options());
  ASSERT_TRUE(qkvChoice.isOk() && qkvChoice->variants.size() == 1);
  EXPECT_EQ(qkvChoice->variants[0].blockThreads, 256); // 64x128: 2x4 warps

  // Tiles that are already fine-grained, and decode, have none.
  auto narrow = selectProjection(projection(288, 288),
                                 ProjectionRows::PrefillTokens, options());
  auto decode = selectProjection(projection(4096, 4096),
                                 ProjectionRows::DecodeSlots, options(64));
  ASSERT_TRUE(narrow.isOk() && decode.isOk());
  EXPECT_TRUE(narrow->variants.empty());
  for (const KernelVariant &variant : decode->variants)
    EXPECT_NE(variant.suffix, "_few_rows");
}

TEST(KernelSelection, DecodeGemmSplitsKInClustersOnSm90Only) {
  // 64 rows of the 7B o projection: 64 tiles of 64x64, so two blocks share
  // each (128 blocks, about one per SM), each over 32 of the 64 K tiles.
  auto decode = selectProjection(projection(4096, 4096),
                                 ProjectionRows::DecodeSlots, options(64));
  ASSERT_TRUE(decode.isOk()) << decode.status().message();
  ASSERT_EQ(decode->variants.size(), 1u);
  const KernelVariant &split = decode->variants[0];
  EXPECT_EQ(split.suffix, "_split_k");
  EXPECT_EQ(split.guard.archs, std::vector<std::string>{"sm_90a"});
  EXPECT_EQ(split.guard.maxRows, 0) << "every decode step runs it";
  EXPECT_EQ(split.grid[0], decode->grid[0]);
  EXPECT_EQ(split.grid[1], decode->grid[1]);
  EXPECT_EQ(split.grid[2], "2");
  EXPECT_EQ(split.params.back(),
            (std::pair<std::string, int64_t>{"KSplit", 2}));
  EXPECT_EQ(split.dynamicSharedBytes, decode->dynamicSharedBytes);

  // Enough tiles already (gate_up: 344 of them) do not split; a narrow
  // projection splits further.
  auto gateUp = selectProjection(projection(22016, 4096, EpilogueKind::SwiGlu),
                                 ProjectionRows::DecodeSlots, options(64));
  ASSERT_TRUE(gateUp.isOk());
  EXPECT_TRUE(gateUp->variants.empty());
  auto narrow = selectProjection(projection(1024, 4096),
                                 ProjectionRows::DecodeSlots, options(64));
  ASSERT_TRUE(narrow.isOk() && narrow->variants.size() == 1);
  EXPECT_EQ(narrow->variants[0].grid[2], "8"); // 16 tiles

  // Short K (stories15M's 288: five K tiles) does not split.
  auto small = selectProjection(projection(288, 288),
                                ProjectionRows::DecodeSlots, options(64));
  ASSERT_TRUE(small.isOk());
  EXPECT_TRUE(small->variants.empty());

  // An sm_80 engine has no clusters; a two-arch engine splits on sm_90a.
  KernelOptions ampere = options(64);
  ampere.archs = {"sm_80"};
  auto onAmpere = selectProjection(projection(4096, 4096),
                                   ProjectionRows::DecodeSlots, ampere);
  ASSERT_TRUE(onAmpere.isOk());
  EXPECT_TRUE(onAmpere->variants.empty());
  KernelOptions both = options(64);
  both.archs = {"sm_80", "sm_90a"};
  auto onBoth = selectProjection(projection(4096, 4096),
                                 ProjectionRows::DecodeSlots, both);
  ASSERT_TRUE(onBoth.isOk() && onBoth->variants.size() == 1);
  EXPECT_EQ(onBoth->variants[0].guard.archs,
            std::vector<std::string>{"sm_90a"});
}

TEST(KernelSelection, AFewRowsBudgetRunsTheFewRowsTileAlone) {
  KernelOptions small = options();
  small.maxPrefillTokens = 128;
  auto wide = selectProjection(projection(4096, 4096),
                               ProjectionRows::PrefillTokens, small);
  ASSERT_TRUE(wide.isOk()) << wide.status().message();
  expectValidMmaTile(*wide, 2);
  EXPECT_EQ(wide->param("BM"), 64);
  EXPECT_EQ(wide->param("BK"), 64);
  EXPECT_TRUE(wide->variants.empty());
}

TEST(KernelSelection, HalfSplitRopeTilesHoldBothElementsOfEveryPair) {
  AttentionShape heads48 = {6, 6, 48, 256};
  for (ProjectionRows rows :
       {ProjectionRows::PrefillTokens, ProjectionRows::DecodeSlots}) {
    auto small = selectProjection(qkv(heads48, 288, true), rows, options());
    auto llama = selectProjection(qkv(kLlama3, 4096, true), rows, options());
    ASSERT_TRUE(small.isOk()) << small.status().message();
    ASSERT_TRUE(llama.isOk()) << llama.status().message();
    if (rows == ProjectionRows::PrefillTokens) {
      expectValidMmaTile(*small, 48);
      EXPECT_EQ(small->param("BN"), 96); // lcm(48, 2 warps x 16)
      expectValidMmaTile(*llama, 128);
      EXPECT_EQ(llama->param("BN"), 128);
    } else {
      // Paired tiles: 2 pairs (i, i + head_dim / 2) per block, K split
      // between two warps.
      EXPECT_EQ(small->param("TileN"), 4);
      EXPECT_EQ(small->param("PairSpan"), 24);
      EXPECT_EQ(llama->param("TileN"), 4);
      EXPECT_EQ(llama->param("PairSpan"), 64);
      EXPECT_EQ(llama->param("KSplit"), 2);
      EXPECT_EQ(gridDim(*llama, 0, 8), 6144 / 4);
    }
  }
}

TEST(KernelSelection, InterleavedRopeKeepsTheDefaultTiles) {
  auto prefill = selectProjection(qkv(kStories, 288, false),
                                  ProjectionRows::PrefillTokens, options());
  auto decode = selectProjection(qkv(kStories, 288, false),
                                 ProjectionRows::DecodeSlots, options());
  ASSERT_TRUE(prefill.isOk() && decode.isOk());
  EXPECT_EQ(prefill->param("BN"), 64);
  EXPECT_EQ(decode->param("TileN"), 4);
  EXPECT_EQ(decode->epilogueParams, (NamedIntegers{{"Heads", 6},
                                                   {"KvHeads", 6},
                                                   {"HeadDim", 48},
                                                   {"BlockSize", 16},
                                                   {"Layout", 0},
                                                   {"HeadNorm", 0}}));
  EXPECT_EQ(decode->constants,
            (NamedIntegers{{"max_blocks_per_seq", 16}})); // 256 / 16
}

TEST(KernelSelection, EveryHeadDimGetsTilesItsTemplatesAccept) {
  for (int64_t headDim : {16, 32, 48, 64, 80, 96, 112, 128, 160, 256}) {
    AttentionShape shape = {8, 2, headDim, 1024};
    for (bool halfSplit : {false, true}) {
      auto prefill = selectProjection(qkv(shape, 1024, halfSplit),
                                      ProjectionRows::PrefillTokens, options());
      ASSERT_TRUE(prefill.isOk()) << prefill.status().message();
      expectValidMmaTile(*prefill, halfSplit ? headDim : 2);
      auto decode = selectProjection(qkv(shape, 1024, halfSplit),
                                     ProjectionRows::DecodeSlots, options());
      ASSERT_TRUE(decode.isOk()) << decode.status().message();
      int64_t tileN = decode->param("TileN");
      EXPECT_EQ(tileN % decode->param("RowsPerWarp"), 0);
      if (halfSplit) {
        // Gemv's paired-tile constraints (Gemv.cuh).
        int64_t pairSpan = decode->param("PairSpan");
        EXPECT_EQ(pairSpan, headDim / 2);
        EXPECT_EQ(pairSpan % (tileN / 2), 0) << headDim;
        EXPECT_EQ((tileN / 2) % decode->param("RowsPerWarp"), 0);
      } else {
        EXPECT_EQ(tileN % 2, 0) << headDim;
      }
    }
  }
}

TEST(KernelSelection, DecodeUsesGemvUpTo32SlotsAndTensorCoresBeyond) {
  auto eight = selectProjection(projection(11008, 4096, EpilogueKind::SwiGlu),
                                ProjectionRows::DecodeSlots, options(8));
  ASSERT_TRUE(eight.isOk()) << eight.status().message();
  EXPECT_EQ(eight->templateName, "Gemv");
  EXPECT_EQ(eight->param("MaxT"), 8);
  // Four rows per block of four warps, two sets of two that split K: 2752
  // blocks; a one-row variant of the same tile for batch-1 steps.
  EXPECT_EQ(eight->param("TileN"), 4);
  EXPECT_EQ(eight->param("RowsPerWarp"), 2);
  EXPECT_EQ(eight->param("KSplit"), 2);
  ASSERT_EQ(eight->variants.size(), 1u);
  const KernelVariant &oneRow = eight->variants[0];
  EXPECT_EQ(oneRow.suffix, "_one_row");
  EXPECT_EQ(oneRow.guard.maxRows, 1);
  EXPECT_TRUE(oneRow.guard.archs.empty());
  NamedIntegers sameTile = eight->params;
  for (auto &[name, value] : sameTile)
    if (name == "MaxT")
      value = 1;
  EXPECT_EQ(oneRow.params, sameTile) << "the base tile, for one row";
  EXPECT_EQ(oneRow.grid, eight->grid);
  EXPECT_EQ(eight->blockThreads, 128);
  EXPECT_EQ(eight->dynamicSharedBytes, 0);
  EXPECT_EQ(gridDim(*eight, 0, 8), 11008 / 4);
  // More token rows keep fewer weight rows per warp in registers.
  auto thirtyTwo =
      selectProjection(projection(11008, 4096, EpilogueKind::SwiGlu),
                       ProjectionRows::DecodeSlots, options(32));
  ASSERT_TRUE(thirtyTwo.isOk());
  EXPECT_EQ(thirtyTwo->param("RowsPerWarp"), 1);
  EXPECT_EQ(thirtyTwo->param("TileN"), 2);
  // A one-slot engine needs no one-row variant; nor does a projection over
  // all slots (its rows are fixed).
  auto one = selectProjection(projection(11008, 4096, EpilogueKind::SwiGlu),
                              ProjectionRows::DecodeSlots, options(1));
  auto logits =
      selectProjection(projection(32000, 4096, EpilogueKind::StoreF32),
                       ProjectionRows::AllSlots, options(8));
  ASSERT_TRUE(one.isOk() && logits.isOk());
  EXPECT_TRUE(one->variants.empty());
  EXPECT_TRUE(logits->variants.empty());

  auto many = selectProjection(projection(11008, 4096, EpilogueKind::SwiGlu),
                               ProjectionRows::DecodeSlots, options(64));
  ASSERT_TRUE(many.isOk()) << many.status().message();
  expectValidMmaTile(*many, 2);
  EXPECT_EQ(many->param("BM"), 64);
  // Weight streaming: deep K tiles and four stages.
  EXPECT_EQ(many->param("BK"), 64);
  EXPECT_EQ(many->param("Stages"), 4);
  EXPECT_EQ(many->grid[1], "ceildiv(rows, 64)");
}

TEST(KernelSelection, DecodeTilesHoldWholeHeadsAndFitSharedMemory) {
  for (int64_t headDim : {48, 80, 128, 256}) {
    AttentionShape shape = {8, 2, headDim, 1024};
    auto decode = selectProjection(qkv(shape, 1024, true),
                                   ProjectionRows::DecodeSlots, options(64));
    ASSERT_TRUE(decode.isOk()) << decode.status().message();
    expectValidMmaTile(*decode, headDim);
    EXPECT_LE(decode->dynamicSharedBytes, 163 * 1024) << "sm_80 holds it";
    if (headDim == 128) { // a head per tile, a warp per 32 columns
      EXPECT_EQ(decode->param("BN"), 128);
      EXPECT_EQ(decode->param("WarpsN"), 4);
    }
  }
}

TEST(KernelSelection, AllSlotsProjectionBakesItsRowsAndCostsThemUpFront) {
  auto logits = selectProjection(projection(32000, 288, EpilogueKind::StoreF32),
                                 ProjectionRows::AllSlots, options(8));
  ASSERT_TRUE(logits.isOk()) << logits.status().message();
  EXPECT_EQ(logits->templateName, "Gemv");
  EXPECT_EQ(logits->constants, (NamedIntegers{{"num_rows", 8}}));
  EXPECT_EQ(logits->cost.flops.perRow, 0);
  EXPECT_EQ(logits->cost.flops.fixed, 8 * 2.0 * 32000 * 288);
  // Weights once, then 8 rows of x (bf16) and logits (f32).
  EXPECT_EQ(logits->cost.bytes.fixed,
            32000.0 * 288 * 2 + 8 * (288 * 2 + 32000 * 4));

  auto many = selectProjection(projection(32000, 288, EpilogueKind::StoreF32),
                               ProjectionRows::AllSlots, options(100));
  ASSERT_TRUE(many.isOk());
  EXPECT_EQ(many->grid[1], "2"); // ceil(100 / 64), whatever the step's rows
}

TEST(KernelSelection, ProjectionCostsCountTheGemmAndWhatTheEpilogueMoves) {
  struct Case {
    EpilogueKind epilogue;
    double outputBytesPerRow;
  };
  const int64_t n = 1536, k = 288;
  for (Case c : {Case{EpilogueKind::StoreBf16, n * 2.0},
                 Case{EpilogueKind::StoreF32, n * 4.0},
                 Case{EpilogueKind::ResidualAdd, n * 4.0},
                 Case{EpilogueKind::SwiGlu, n / 2 * 2.0}}) {
    auto choice = selectProjection(projection(n, k, c.epilogue),
                                   ProjectionRows::PrefillTokens, options());
    ASSERT_TRUE(choice.isOk());
    EXPECT_EQ(choice->cost.flops.perRow, 2.0 * n * k);
    EXPECT_EQ(choice->cost.bytes.fixed, 2.0 * n * k);
    EXPECT_EQ(choice->cost.bytes.perRow, 2.0 * k + c.outputBytesPerRow);
    EXPECT_EQ(choice->cost.flops.perRowContext, 0);
  }
}

TEST(KernelSelection, PrefillAttentionCoversEveryGroupRowOfTheLongestChunk) {
  auto choice = selectPrefillAttention(kLlama3, options());
  ASSERT_TRUE(choice.isOk()) << choice.status().message();
  EXPECT_EQ(choice->templateName, "PagedAttentionPrefill");
  // 100 tokens x 4 query heads per KV head in 64-row CTAs.
  EXPECT_EQ(gridDim(*choice, 0, 300, 3, 100), 7);
  EXPECT_EQ(gridDim(*choice, 1, 300, 3, 100), 8);
  EXPECT_EQ(gridDim(*choice, 2, 300, 3, 100), 3);
  EXPECT_EQ(choice->cost.flops.perRowContext, 4.0 * 32 * 128);

  auto noGroups = selectPrefillAttention(kStories, options());
  ASSERT_TRUE(noGroups.isOk());
  EXPECT_EQ(noGroups->grid[0], "ceildiv(max_chunk_rows, 64)");
}

TEST(KernelSelection, DecodeAttentionPartitionsFitSharedMemory) {
  auto llama = selectDecodeAttention(kLlama3, options(64));
  ASSERT_TRUE(llama.isOk()) << llama.status().message();
  // Two key tiles per partition: a batch-1 step at context 256 gets
  // 2 x kv-heads blocks rather than one per kv head.
  EXPECT_EQ(llama->partitionSize, 128);
  EXPECT_EQ(llama->maxPartitions, 64); // 8192 / 128
  // Few slots (latency-bound steps): one key tile per partition.
  auto few = selectDecodeAttention(kLlama3, options(8));
  ASSERT_TRUE(few.isOk());
  EXPECT_EQ(few->partitionSize, 64);
  EXPECT_EQ(few->maxPartitions, 128);
  EXPECT_EQ(gridDim(llama->partition, 0, 8), 64);
  EXPECT_EQ(gridDim(llama->partition, 2, 5), 5);
  EXPECT_EQ(gridDim(llama->reduce, 0, 5), 32);
  EXPECT_EQ(llama->reduce.param("PartitionSize"), 128);
  // The KV read: keys and values of every context position, bf16.
  EXPECT_GE(llama->partition.cost.bytes.perRowContext, 2.0 * 8 * 128 * 2);

  // head_dim 256 and a 16-head group still fit 128 positions.
  auto wideHeads = selectDecodeAttention({8, 2, 256, 4096}, options(64));
  ASSERT_TRUE(wideHeads.isOk()) << wideHeads.status().message();
  EXPECT_EQ(wideHeads->partitionSize, 128);
  auto bigGroup = selectDecodeAttention({16, 1, 128, 4096}, options(64));
  ASSERT_TRUE(bigGroup.isOk()) << bigGroup.status().message();
  EXPECT_EQ(bigGroup->partitionSize, 128);
  EXPECT_EQ(bigGroup->maxPartitions, 32);
}

TEST(KernelSelection, NormsUseOneVectorPerThreadUpTo256Threads) {
  auto small = selectRmsNorm(288);
  auto large = selectAddRmsNorm(4096);
  ASSERT_TRUE(small.isOk() && large.isOk());
  EXPECT_EQ(small->param("Threads"), 64); // 36 vectors
  EXPECT_EQ(large->param("Threads"), 256);
  EXPECT_EQ(small->blockThreads, 64);
  EXPECT_EQ(gridDim(*small, 0, 17), 17);

  auto gather = selectRmsNormGather(288, options(8));
  ASSERT_TRUE(gather.isOk());
  EXPECT_EQ(gather->templateName, "RmsNormGather");
  EXPECT_EQ(gridDim(*gather, 0, 500), 8);
}

TEST(KernelSelection, SamplingRunsOneBlockPerSlotAndTheUpdateOne) {
  auto sampling = selectSampling(32000, options(8));
  auto update = selectSlotUpdate(options(8));
  ASSERT_TRUE(sampling.isOk() && update.isOk());
  EXPECT_EQ(sampling->params,
            (NamedIntegers{{"Vocab", 32000}, {"Threads", 256}}));
  EXPECT_EQ(gridDim(*sampling, 0, 8), 8);
  EXPECT_EQ(update->params, (NamedIntegers{{"Threads", 128}}));
  EXPECT_EQ(update->grid, (std::array<std::string, 3>{"1", "1", "1"}));
}

TEST(KernelSelection, LogprobsRunOneBlockPerSlotLikeTheSampler) {
  auto logprobs = selectLogprobs(32000, options(8));
  ASSERT_TRUE(logprobs.isOk());
  EXPECT_EQ(logprobs->templateName, "Logprobs");
  EXPECT_EQ(logprobs->params,
            (NamedIntegers{{"Vocab", 32000}, {"Threads", 256}}));
  EXPECT_EQ(gridDim(*logprobs, 0, 8), 8);
  EXPECT_FALSE(selectLogprobs(0, options(8)).isOk());
}

/// Expects `status` to fail with a message containing `text`.
void expectRefused(const Status &status, const std::string &text) {
  ASSERT_FALSE(status.isOk()) << "expected a refusal mentioning: " << text;
  EXPECT_NE(status.message().find(text), std::string::npos) << status.message();
}

TEST(KernelSelection, RefusesHeadDimsTheAttentionKernelsCannotTake) {
  expectRefused(selectPrefillAttention({4, 2, 8, 64}, options()).status(),
                "head_dim 8 is not supported");
  expectRefused(selectDecodeAttention({4, 2, 20, 64}, options()).status(),
                "head_dim 20 is not supported");
  expectRefused(selectDecodeAttention({4, 2, 272, 64}, options()).status(),
                "head_dim 272 is not supported");
  expectRefused(selectProjection(qkv({4, 2, 8, 64}, 32, true),
                                 ProjectionRows::DecodeSlots, options())
                    .status(),
                "head_dim 8 is not supported");
  expectRefused(selectPrefillAttention({4, 2, 192, 64}, options()).status(),
                "head_dim 192 needs 51200 bytes of static shared memory");
  expectRefused(selectDecodeAttention({64, 1, 128, 64}, options()).status(),
                "a query-head group of 64 with head_dim 128");
}

TEST(KernelSelection, RefusesPartialGroupsAndMisshapedProjections) {
  expectRefused(selectPrefillAttention({6, 4, 16, 64}, options()).status(),
                "heads 6 is not a positive multiple of kv_heads 4");
  expectRefused(selectProjection(projection(288, 20),
                                 ProjectionRows::PrefillTokens, options())
                    .status(),
                "projection input width K 20 is not a positive multiple of 8");
  expectRefused(selectEmbed(32000, 100).status(),
                "embedding dim 100 is not a positive multiple of 8");
  expectRefused(selectRmsNorm(36).status(), "RMSNorm dim 36");
  ProjectionShape wrongQkv = qkv(kStories, 288, false);
  wrongQkv.n = 800;
  expectRefused(
      selectProjection(wrongQkv, ProjectionRows::DecodeSlots, options())
          .status(),
      "the QKV projection has 800 columns, not (6 + 2 * 6) heads of 48");
}

TEST(KernelSelection, RefusesOptionsTheEngineCannotUse) {
  EXPECT_TRUE(checkKernelOptions(options()).isOk());
  for (int64_t blockSize : {8, 32, 128})
    EXPECT_TRUE(checkKernelOptions(options(8, blockSize)).isOk()) << blockSize;
  for (int64_t blockSize : {0, 4, 12, 256})
    expectRefused(checkKernelOptions(options(8, blockSize)),
                  "kv-block-size " + std::to_string(blockSize) +
                      " is not supported");
  expectRefused(checkKernelOptions(options(0)),
                "max-slots must be positive, got 0");
  KernelOptions noPrefill = options();
  noPrefill.maxPrefillTokens = -1;
  expectRefused(checkKernelOptions(noPrefill),
                "max-prefill-tokens must be positive, got -1");
}

} // namespace
