// Kernel selection: the tile rules, launch shapes, limits and costs of every
// template of the kernel library (compiler/kernels/*.cuh). The constants here
// mirror the templates' own (their static_asserts and kSharedBytes formulas);
// each function checks what its template would reject at compile time and
// says so in words instead.
#include "passes/KernelSelection.h"

#include <algorithm>
#include <cassert>
#include <numeric>

namespace llmc {

namespace {

/// bf16 elements per 128-bit vector: row lengths must be whole vectors.
constexpr int64_t kVectorElements = 8;
/// Static shared memory a kernel may declare.
constexpr int64_t kStaticSharedLimit = 48 * 1024;
/// Dynamic shared memory of one block on sm_80 (the smallest of the targeted
/// archs; sm_90 allows 227 KiB).
constexpr int64_t kDynamicSharedLimit = 163 * 1024;
/// Gemv keeps at most this many token rows in registers per pass.
constexpr int64_t kGemvMaxRows = 32;
/// Prefill steps of at most this many token rows run a projection's
/// few-rows tile (rows of that tile: kFewRowsTileRows).
constexpr int64_t kFewRowsMax = 256;
constexpr int64_t kFewRowsTileRows = 64;
/// Query rows and keys per tile of the attention kernels.
constexpr int64_t kAttentionTileRows = 64;
constexpr int64_t kBf16Bytes = 2;
constexpr int64_t kF32Bytes = 4;

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t roundUp(int64_t value, int64_t multiple) {
  return ceilDiv(value, multiple) * multiple;
}
std::string str(int64_t value) { return std::to_string(value); }

/// Threads of a one-block-per-row norm: one 8-element vector per thread up
/// to 256 threads (a 4096-wide row is then two vectors per thread).
int64_t normThreads(int64_t dim) {
  return std::clamp<int64_t>(roundUp(dim / kVectorElements, 32), 32, 256);
}

Status checkRowWidth(const char *what, int64_t width) {
  if (width <= 0 || width % kVectorElements != 0)
    return Status::error(std::string(what) + " " + str(width) +
                         " is not a positive multiple of 8 (the kernels move "
                         "rows in 128-bit vectors of 8 bf16)");
  return Status::ok();
}

Status checkAttentionShape(const AttentionShape &shape) {
  if (shape.heads <= 0 || shape.kvHeads <= 0 ||
      shape.heads % shape.kvHeads != 0)
    return Status::error("heads " + str(shape.heads) +
                         " is not a positive multiple of kv_heads " +
                         str(shape.kvHeads) +
                         " (grouped-query attention needs whole groups)");
  if (shape.headDim <= 0 || shape.headDim % 16 != 0 || shape.headDim > 256)
    return Status::error(
        "head_dim " + str(shape.headDim) +
        " is not supported: the attention kernels' mma.sync tiles take a "
        "head_dim that is a multiple of 16, at most 256");
  if (shape.maxSeqLen <= 0)
    return Status::error("max_seq_len must be positive, got " +
                         str(shape.maxSeqLen));
  return Status::ok();
}

/// Bytes of the output row a projection epilogue writes (and reads).
int64_t epilogueBytesPerRow(const ProjectionShape &shape) {
  switch (shape.epilogue) {
  case EpilogueKind::StoreBf16:
  case EpilogueKind::RopeKvWrite: // q, k and v: n columns in all
    return shape.n * kBf16Bytes;
  case EpilogueKind::StoreF32:
    return shape.n * kF32Bytes;
  case EpilogueKind::ResidualAdd: // reads the residual, writes the sum
    return 2 * shape.n * kBf16Bytes;
  case EpilogueKind::SwiGlu: // n / 2 output columns
    return shape.n / 2 * kBf16Bytes;
  }
  return 0;
}

const char *epilogueName(EpilogueKind kind) {
  switch (kind) {
  case EpilogueKind::StoreBf16:
    return "StoreBf16";
  case EpilogueKind::StoreF32:
    return "StoreF32";
  case EpilogueKind::ResidualAdd:
    return "ResidualAdd";
  case EpilogueKind::SwiGlu:
    return "SwiGlu";
  case EpilogueKind::RopeKvWrite:
    return "RopeKvWrite";
  }
  return "";
}

/// The epilogue template's parameters (Epilogues.cuh).
NamedIntegers epilogueParams(const ProjectionShape &shape,
                             const KernelOptions &options) {
  if (shape.epilogue != EpilogueKind::RopeKvWrite)
    return {{"N", shape.n}};
  const AttentionShape &a = shape.attention;
  return {{"Heads", a.heads},
          {"KvHeads", a.kvHeads},
          {"HeadDim", a.headDim},
          {"BlockSize", options.kvBlockSize},
          {"Layout", shape.halfSplitRope ? 1 : 0}};
}

/// Output columns a tile must hold together: a whole head for half-split
/// RoPE (its pairs are half a head apart), else a pair.
int64_t tileColumnUnit(const ProjectionShape &shape) {
  if (shape.epilogue == EpilogueKind::RopeKvWrite && shape.halfSplitRope)
    return shape.attention.headDim;
  return 2;
}

struct MmaTile {
  int64_t bm, bn, bk, warpsM, warpsN, stages;

  int64_t threads() const { return warpsM * warpsN * 32; }
  /// GemmMma::kSharedBytes: the operand ring, or the fp32 epilogue tile
  /// that reuses it, whichever is larger.
  int64_t sharedBytes() const {
    int64_t operands = stages * (bm + bn) * (bk + kVectorElements) * kBf16Bytes;
    int64_t epilogue = bm * (bn + 8) * kF32Bytes;
    return std::max(operands, epilogue);
  }
};

/// The GemmMma tile. Many rows (prefill): 128x128 for wide projections,
/// 64x64 otherwise. Few rows (decode, or a short prefill step) are bound by
/// streaming the weights, so that tile keeps many bytes in flight: BK 64 and
/// four stages (three tiles of W queued per block). BN grows to a multiple
/// of the column unit, with a warp per 32 columns up to four (a 128-column
/// tile holds a whole head for half-split RoPE). On an H100 these tiles read
/// the Llama-2-7B decode weights at 1.3-2.5 TB/s at 1 and 64 rows, against
/// 0.7-1.9 TB/s for 64x64x32 with three stages (GpuKernelTests' tile sweep).
MmaTile chooseMmaTile(const ProjectionShape &shape, bool fewRows) {
  MmaTile tile = fewRows           ? MmaTile{64, 64, 64, 2, 2, 4}
                 : shape.n >= 2048 ? MmaTile{128, 128, 32, 2, 4, 3}
                                   : MmaTile{64, 64, 32, 2, 2, 3};
  int64_t unit = std::lcm(tileColumnUnit(shape), 16 * tile.warpsN);
  tile.bn = roundUp(tile.bn, unit);
  if (!fewRows)
    return tile;
  // A warp per 32 columns, at most four, splitting the tile into whole n16s.
  tile.warpsN = std::min<int64_t>(4, tile.bn / 32);
  while (tile.bn % (16 * tile.warpsN) != 0)
    --tile.warpsN;
  // Very wide heads (a 256-column tile) give up stages to fit sm_80.
  while (tile.sharedBytes() > kDynamicSharedLimit && tile.stages > 2)
    --tile.stages;
  return tile;
}

/// Gemv's TileN: 16 columns, or whole heads for half-split RoPE. Narrow tiles
/// give many blocks, and eight warps of two rows each keep enough loads in
/// flight to stream the weights (1 row on an H100: 2.0-2.8 TB/s against
/// 0.9-2.6 TB/s for 32-column tiles of four warps).
int64_t chooseGemvTileN(const ProjectionShape &shape) {
  int64_t unit = tileColumnUnit(shape);
  return roundUp(16, std::lcm<int64_t>(unit, 2));
}

Status checkMmaShared(const MmaTile &tile) {
  if (tile.sharedBytes() <= kDynamicSharedLimit)
    return Status::ok();
  return Status::error("the GemmMma tile " + str(tile.bm) + "x" + str(tile.bn) +
                       " needs " + str(tile.sharedBytes()) +
                       " bytes of shared memory, more than the 163 KiB of "
                       "sm_80");
}

/// GemmMma's template parameters for `tile`, in template order.
NamedIntegers mmaParams(const ProjectionShape &shape, const MmaTile &tile) {
  return {{"N", shape.n},          {"K", shape.k},
          {"BM", tile.bm},         {"BN", tile.bn},
          {"BK", tile.bk},         {"WarpsM", tile.warpsM},
          {"WarpsN", tile.warpsN}, {"Stages", tile.stages}};
}

/// Gemv's warps per block and weight rows per warp.
constexpr int64_t kGemvWarps = 8;
constexpr int64_t kGemvRowsPerWarp = 2;

} // namespace

int64_t KernelChoice::param(const std::string &name) const {
  for (const auto &[key, value] : params)
    if (key == name)
      return value;
  assert(false && "no such template parameter");
  return 0;
}

Status checkKernelOptions(const KernelOptions &options) {
  if (options.maxSlots <= 0)
    return Status::error("max-slots must be positive, got " +
                         str(options.maxSlots));
  if (options.maxPrefillTokens <= 0)
    return Status::error("max-prefill-tokens must be positive, got " +
                         str(options.maxPrefillTokens));
  int64_t block = options.kvBlockSize;
  if (block < 8 || block > 128 || (block & (block - 1)) != 0)
    return Status::error("kv-block-size " + str(block) +
                         " is not supported: the paged KV cache takes a "
                         "power of two in 8..128");
  return Status::ok();
}

StatusOr<KernelChoice> selectEmbed(int64_t vocab, int64_t dim) {
  LLMC_RETURN_IF_ERROR(checkRowWidth("embedding dim", dim));
  if (vocab <= 0)
    return Status::error("vocabulary size must be positive, got " + str(vocab));
  KernelChoice choice;
  choice.templateName = "Embed";
  choice.params = {{"Vocab", vocab}, {"Dim", dim}, {"Threads", 256}};
  choice.grid = {"rows", "1", "1"};
  choice.blockThreads = 256;
  // Reads the id and the table row, writes the row.
  choice.cost.bytes.perRow = 4 + 2 * dim * kBf16Bytes;
  return choice;
}

/// The one-block-per-row norms share their shape and most of their cost.
static StatusOr<KernelChoice> selectNorm(const char *templateName, int64_t dim,
                                         int64_t flopsPerElement,
                                         int64_t rowsMoved) {
  LLMC_RETURN_IF_ERROR(checkRowWidth("RMSNorm dim", dim));
  KernelChoice choice;
  choice.templateName = templateName;
  int64_t threads = normThreads(dim);
  choice.params = {{"Dim", dim}, {"Threads", threads}};
  choice.grid = {"rows", "1", "1"};
  choice.blockThreads = threads;
  choice.cost.flops.perRow = flopsPerElement * dim;
  choice.cost.bytes.fixed = dim * kBf16Bytes; // the weight
  choice.cost.bytes.perRow = rowsMoved * dim * kBf16Bytes;
  return choice;
}

StatusOr<KernelChoice> selectRmsNorm(int64_t dim) {
  // x^2, sum, scale, weight: 4 flops; reads x, writes out.
  return selectNorm("RmsNorm", dim, 4, 2);
}

StatusOr<KernelChoice> selectAddRmsNorm(int64_t dim) {
  // Plus the add; reads residual and x, writes residual and out.
  return selectNorm("AddRmsNorm", dim, 5, 4);
}

StatusOr<KernelChoice> selectRmsNormGather(int64_t dim,
                                           const KernelOptions &options) {
  LLMC_ASSIGN_OR_RETURN(KernelChoice choice,
                        selectNorm("RmsNormGather", dim, 4, 2));
  // Always max-slots rows, whatever the prompt rows: a fixed cost.
  choice.grid = {str(options.maxSlots), "1", "1"};
  choice.constants = {{"num_rows", options.maxSlots}};
  choice.cost.flops.fixed = choice.cost.flops.perRow * options.maxSlots;
  choice.cost.flops.perRow = 0;
  choice.cost.bytes.fixed += choice.cost.bytes.perRow * options.maxSlots;
  choice.cost.bytes.perRow = 0;
  return choice;
}

StatusOr<KernelChoice> selectProjection(const ProjectionShape &shape,
                                        ProjectionRows rows,
                                        const KernelOptions &options) {
  LLMC_RETURN_IF_ERROR(checkRowWidth("projection input width K", shape.k));
  if (shape.n <= 0)
    return Status::error("projection output width N must be positive, got " +
                         str(shape.n));
  if (shape.epilogue == EpilogueKind::SwiGlu && shape.n % 2 != 0)
    return Status::error("the SwiGLU projection has an odd width " +
                         str(shape.n) + " (2 * ffn interleaved rows)");
  if (shape.epilogue == EpilogueKind::RopeKvWrite) {
    const AttentionShape &a = shape.attention;
    LLMC_RETURN_IF_ERROR(checkAttentionShape(a));
    if (shape.n != (a.heads + 2 * a.kvHeads) * a.headDim)
      return Status::error("the QKV projection has " + str(shape.n) +
                           " columns, not (" + str(a.heads) + " + 2 * " +
                           str(a.kvHeads) + ") heads of " + str(a.headDim));
  }

  KernelChoice choice;
  choice.epilogue = epilogueName(shape.epilogue);
  choice.epilogueParams = epilogueParams(shape, options);
  int64_t maxRows = rows == ProjectionRows::PrefillTokens
                        ? options.maxPrefillTokens
                        : options.maxSlots;
  bool slotShaped = rows != ProjectionRows::PrefillTokens;
  std::string rowCount =
      rows == ProjectionRows::AllSlots ? "" : std::string("rows");

  if (slotShaped && maxRows <= kGemvMaxRows) {
    int64_t tileN = chooseGemvTileN(shape);
    int64_t maxT = maxRows;
    if (maxT * tileN * kF32Bytes > kStaticSharedLimit)
      return Status::error("a Gemv tile of " + str(maxT) + " rows x " +
                           str(tileN) +
                           " columns exceeds 48 KiB of shared memory");
    choice.templateName = "Gemv";
    choice.params = {{"N", shape.n},
                     {"K", shape.k},
                     {"MaxT", maxT},
                     {"Warps", kGemvWarps},
                     {"RowsPerWarp", kGemvRowsPerWarp},
                     {"TileN", tileN}};
    choice.grid = {str(ceilDiv(shape.n, tileN)), "1", "1"};
    choice.blockThreads = kGemvWarps * 32;
  } else {
    // A prefill step of few rows leaves most SMs idle under a 128-row tile
    // (a 4096-wide projection at 128 rows is 32 blocks): such steps run the
    // few-rows tile, and so does every step when the budget itself is few.
    MmaTile tile = chooseMmaTile(shape, slotShaped);
    bool coarse = !slotShaped && tile.bm > kFewRowsTileRows;
    if (coarse && maxRows <= kFewRowsMax) {
      tile = chooseMmaTile(shape, /*fewRows=*/true);
      coarse = false;
    }
    LLMC_RETURN_IF_ERROR(checkMmaShared(tile));
    choice.templateName = "GemmMma";
    choice.params = mmaParams(shape, tile);
    std::string gridY = rowCount.empty()
                            ? str(ceilDiv(maxRows, tile.bm))
                            : "ceildiv(rows, " + str(tile.bm) + ")";
    choice.grid = {str(ceilDiv(shape.n, tile.bn)), gridY, "1"};
    choice.blockThreads = tile.threads();
    choice.dynamicSharedBytes = tile.sharedBytes();
    if (coarse) {
      MmaTile few = chooseMmaTile(shape, /*fewRows=*/true);
      LLMC_RETURN_IF_ERROR(checkMmaShared(few));
      choice.fewRows = FewRowsTile{kFewRowsMax,
                                   mmaParams(shape, few),
                                   {str(ceilDiv(shape.n, few.bn)),
                                    "ceildiv(rows, " + str(few.bm) + ")", "1"},
                                   few.threads(),
                                   few.sharedBytes()};
    }
  }

  // A GEMM row is 2 N K flops; the weights are read once per launch, x and
  // the epilogue's outputs once per row.
  choice.cost.flops.perRow = 2.0 * shape.n * shape.k;
  choice.cost.bytes.fixed = double(shape.n) * shape.k * kBf16Bytes;
  choice.cost.bytes.perRow = shape.k * kBf16Bytes + epilogueBytesPerRow(shape);
  if (rows == ProjectionRows::AllSlots) {
    choice.constants = {{"num_rows", options.maxSlots}};
    choice.cost.flops.fixed = choice.cost.flops.perRow * options.maxSlots;
    choice.cost.flops.perRow = 0;
    choice.cost.bytes.fixed += choice.cost.bytes.perRow * options.maxSlots;
    choice.cost.bytes.perRow = 0;
  }
  if (shape.epilogue == EpilogueKind::RopeKvWrite)
    choice.constants.push_back(
        {"max_blocks_per_seq",
         ceilDiv(shape.attention.maxSeqLen, options.kvBlockSize)});
  return choice;
}

StatusOr<KernelChoice> selectPrefillAttention(const AttentionShape &shape,
                                              const KernelOptions &options) {
  LLMC_RETURN_IF_ERROR(checkAttentionShape(shape));
  // Its key and value tiles are static shared arrays of 64 padded rows.
  int64_t shared =
      2 * kAttentionTileRows * (shape.headDim + kVectorElements) * kBf16Bytes;
  if (shared > kStaticSharedLimit)
    return Status::error(
        "head_dim " + str(shape.headDim) + " needs " + str(shared) +
        " bytes of static shared memory in PagedAttentionPrefill, over the "
        "48 KiB limit (head_dim up to 176 fits)");
  int64_t group = shape.heads / shape.kvHeads;
  int64_t width = shape.heads * shape.headDim;

  KernelChoice choice;
  choice.templateName = "PagedAttentionPrefill";
  choice.params = {{"Heads", shape.heads},
                   {"KvHeads", shape.kvHeads},
                   {"HeadDim", shape.headDim},
                   {"BlockSize", options.kvBlockSize}};
  // A CTA takes 64 (token, query head) rows of one sequence and kv head.
  std::string chunkRows =
      group == 1 ? "max_chunk_rows" : str(group) + " * max_chunk_rows";
  choice.grid = {"ceildiv(" + chunkRows + ", " + str(kAttentionTileRows) + ")",
                 str(shape.kvHeads), "seqs"};
  choice.blockThreads = 128;
  choice.constants = {
      {"max_blocks_per_seq", ceilDiv(shape.maxSeqLen, options.kvBlockSize)},
      {"q_row_stride", width},
      {"out_row_stride", width}};
  // Q K^T and P V: 2 * head_dim flops each per head and position. Each CTA
  // reads the context's keys and values of its kv head once for 64 / group
  // tokens; q is read and out written once per row.
  choice.cost.flops.perRowContext = 4.0 * shape.heads * shape.headDim;
  choice.cost.bytes.perRow = 2.0 * width * kBf16Bytes;
  choice.cost.bytes.perRowContext = 2.0 * shape.kvHeads * shape.headDim *
                                    kBf16Bytes * group / kAttentionTileRows;
  return choice;
}

StatusOr<DecodeAttentionChoice>
selectDecodeAttention(const AttentionShape &shape,
                      const KernelOptions &options) {
  LLMC_RETURN_IF_ERROR(checkAttentionShape(shape));
  int64_t group = shape.heads / shape.kvHeads;
  // PagedAttentionDecodePartition::kSharedBytes: the group's queries and
  // scores in fp32, and one padded key/value tile.
  auto sharedBytes = [&](int64_t partition) {
    return (group * shape.headDim + group * partition) * kF32Bytes +
           kAttentionTileRows * (shape.headDim + kVectorElements) * kBf16Bytes;
  };
  int64_t partition = shape.headDim <= 128 ? 512 : 256;
  while (partition > kAttentionTileRows &&
         sharedBytes(partition) > kStaticSharedLimit)
    partition /= 2;
  if (sharedBytes(partition) > kStaticSharedLimit)
    return Status::error(
        "a query-head group of " + str(group) + " with head_dim " +
        str(shape.headDim) + " needs " + str(sharedBytes(partition)) +
        " bytes of shared memory in PagedAttentionDecodePartition, over the "
        "48 KiB limit");

  DecodeAttentionChoice choice;
  choice.partitionSize = partition;
  choice.maxPartitions = ceilDiv(shape.maxSeqLen, partition);
  int64_t width = shape.heads * shape.headDim;
  NamedIntegers constants = {
      {"max_blocks_per_seq", ceilDiv(shape.maxSeqLen, options.kvBlockSize)},
      {"max_partitions", choice.maxPartitions},
      {"q_row_stride", width},
      {"out_row_stride", width}};
  // Each partition writes, and the reduction reads, head_dim partial outputs
  // plus a max and a sum per head: per row, one set per P positions.
  double partialBytesPerPosition =
      double(shape.heads) * (shape.headDim + 2) * kF32Bytes / partition;

  KernelChoice &part = choice.partition;
  part.templateName = "PagedAttentionDecodePartition";
  part.params = {{"Heads", shape.heads},
                 {"KvHeads", shape.kvHeads},
                 {"HeadDim", shape.headDim},
                 {"BlockSize", options.kvBlockSize},
                 {"PartitionSize", partition}};
  part.grid = {str(choice.maxPartitions), str(shape.kvHeads), "rows"};
  part.blockThreads = 128;
  part.constants = constants;
  part.cost.flops.perRowContext = 4.0 * shape.heads * shape.headDim;
  part.cost.bytes.perRow = double(width) * kBf16Bytes;
  part.cost.bytes.perRowContext =
      2.0 * shape.kvHeads * shape.headDim * kBf16Bytes +
      partialBytesPerPosition;

  KernelChoice &reduce = choice.reduce;
  reduce.templateName = "PagedAttentionDecodeReduce";
  reduce.params = {{"Heads", shape.heads},
                   {"HeadDim", shape.headDim},
                   {"PartitionSize", partition}};
  reduce.grid = {str(shape.heads), "rows", "1"};
  reduce.blockThreads = 64;
  reduce.constants = constants;
  // A weighted sum of the partitions' outputs.
  reduce.cost.flops.perRowContext =
      2.0 * shape.heads * shape.headDim / partition;
  reduce.cost.bytes.perRow = double(width) * kBf16Bytes;
  reduce.cost.bytes.perRowContext = partialBytesPerPosition;
  return choice;
}

StatusOr<KernelChoice> selectSampling(int64_t vocab,
                                      const KernelOptions &options) {
  if (vocab <= 0)
    return Status::error("vocabulary size must be positive, got " + str(vocab));
  KernelChoice choice;
  choice.templateName = "Sampling";
  choice.params = {{"Vocab", vocab}, {"Threads", 256}};
  choice.grid = {str(options.maxSlots), "1", "1"};
  choice.blockThreads = 256;
  choice.constants = {{"num_slots", options.maxSlots}};
  // Its passes over a row hit L2 after the first read from memory; the
  // work is comparisons and selects more than flops.
  choice.cost.bytes.perRow = double(vocab) * kF32Bytes;
  return choice;
}

StatusOr<KernelChoice> selectSlotUpdate(const KernelOptions &options) {
  KernelChoice choice;
  choice.templateName = "SlotUpdate";
  choice.params = {{"Threads", 128}};
  choice.grid = {"1", "1", "1"};
  choice.blockThreads = 128;
  choice.constants = {{"num_slots", options.maxSlots}};
  // Per slot: 12 ints read (state, stop ids, sampled token, mask), 4
  // written, and one 8-byte ring entry.
  choice.cost.bytes.perRow = 12 * 4 + 4 * 4 + 8;
  return choice;
}

} // namespace llmc
