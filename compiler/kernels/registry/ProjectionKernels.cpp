// The projections (Gemv.cuh, GemmMma.cuh): their definitions, tile
// selection and costs. Their epilogues are in Epilogues.cpp.
#include "compiler/kernels/registry/KernelRegistry.h"
#include "compiler/kernels/registry/SelectionSupport.h"

#include "runtime/engine/ArchName.h"
#include "runtime/engine/LaunchDims.h"

#include <algorithm>
#include <numeric>

namespace llmc {

using namespace selection;

namespace {

/// Prefill steps of at most this many token rows run a projection's
/// few-rows tile (rows of that tile: kFewRowsTileRows).
constexpr int64_t kFewRowsMax = 256;
constexpr int64_t kFewRowsTileRows = 64;

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
          {"Layout", shape.halfSplitRope ? 1 : 0},
          {"HeadNorm", shape.headNorm ? 1 : 0}};
}

/// Output columns a tile must hold together: a whole head for half-split
/// RoPE (its pairs are half a head apart), else a pair.
int64_t tileColumnUnit(const ProjectionShape &shape) {
  if (shape.epilogue == EpilogueKind::RopeKvWrite &&
      (shape.halfSplitRope || shape.headNorm))
    return shape.attention.headDim;
  return 2;
}

struct MmaTile {
  int64_t bm, bn, bk, warpsM, warpsN, stages;

  int64_t threads() const { return warpsM * warpsN * 32; }
  /// GemmMma::kSharedBytes.
  int64_t sharedBytes() const {
    return tiles::gemmMmaSharedBytes(bm, bn, bk, stages);
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

/// Gemv's block: warps, weight rows each streams at once, rows (output
/// columns) per block, the pair span of a paired tile (0: consecutive
/// columns), and the warps that split K for each row group.
struct GemvTile {
  int64_t warps, rowsPerWarp, tileN, pairSpan, kSplit;
};

/// Two warp sets of two warps that split K, each set streaming two weight
/// rows: four rows per block of four warps, so a 4096-row projection is 1024
/// blocks, about eight per SM. The Llama-2-7B tile sweep on an
/// H200 (8-slot engine, one row; rotating weights) put this tile first or
/// within 5% of first on all four projections: 30.6 / 13.0 / 51.6 / 26.0 us
/// for QKV, o, gate/up and down, against 31.3 / 14.5 / 49.0 / 31.6 for 16
/// rows of eight warps without a K split. Deeper splits and more rows per
/// warp were faster at MaxT 1 but slower at MaxT 8. Rows per warp drop to
/// one past 16 token rows, keeping the accumulators (rows x MaxT) in
/// registers. Half-split RoPE takes pairs (i, i + head_dim / 2) the same
/// way (a paired tile); head norms need whole heads, which stay 8-warp
/// blocks over a head.
GemvTile chooseGemvTile(const ProjectionShape &shape, int64_t maxT) {
  const int64_t rowsPerWarp = maxT <= 16 ? 2 : 1;
  const int64_t tileN = 2 * rowsPerWarp;
  const int64_t unit = tileColumnUnit(shape);
  const bool paired = shape.epilogue == EpilogueKind::RopeKvWrite &&
                      shape.halfSplitRope && !shape.headNorm;
  if (paired && (shape.attention.headDim / 2) % rowsPerWarp == 0)
    return {4, rowsPerWarp, tileN, shape.attention.headDim / 2, 2};
  if (unit > 2)
    return {8, 2, roundUp(16, unit), 0, 1};
  return {4, rowsPerWarp, tileN, 0, 2};
}

/// Blocks a split decode step aims at: about one per SM of an H100 / H200
/// (132 SMs).
constexpr int64_t kSplitTargetBlocks = 128;

/// The engine's archs with thread-block clusters (sm_90 and newer): those
/// run a decode GemmMma's split-K variant.
std::vector<std::string> clusterArchs(const KernelOptions &options) {
  std::vector<std::string> archs;
  for (const std::string &arch : options.archs)
    if (archNumber(arch) >= 90)
      archs.push_back(arch);
  return archs;
}

/// Blocks (one cluster) that share each decode output tile: the smallest
/// power of two that gives the step about a block per SM (128), at most 8
/// (a portable cluster) and at least four K tiles per block. More blocks
/// than that lose more to the reduction through shared memory than they
/// gain: at 64 rows on an H200 the 7B o projection ran in 29.2 / 21.2 / 23.0
/// / 25.3 us at 1 / 2 / 4 / 8 blocks a tile, down in 69.7 / 45.9 / 48.2 /
/// 50.6, and gate/up (344 tiles) gained nothing from splitting.
int64_t chooseDecodeKSplit(const ProjectionShape &shape, const MmaTile &tile,
                           int64_t maxRows) {
  const int64_t tiles = ceilDiv(shape.n, tile.bn) * ceilDiv(maxRows, tile.bm);
  const int64_t kTiles = ceilDiv(shape.k, tile.bk);
  int64_t split = 1;
  while (split < 8 && tiles * split < kSplitTargetBlocks &&
         kTiles / (2 * split) >= 4 && tile.bm % (2 * split) == 0)
    split *= 2;
  return split;
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

} // namespace

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
    int64_t maxT = maxRows;
    GemvTile gemv = chooseGemvTile(shape, maxT);
    int64_t tileN = gemv.tileN;
    if (gemv.kSplit * maxT * tileN * kF32Bytes > kStaticSharedLimit)
      return Status::error("a Gemv tile of " + str(maxT) + " rows x " +
                           str(tileN) +
                           " columns exceeds 48 KiB of shared memory");
    choice.templateName = "Gemv";
    choice.params = {{"N", shape.n},
                     {"K", shape.k},
                     {"MaxT", maxT},
                     {"Warps", gemv.warps},
                     {"RowsPerWarp", gemv.rowsPerWarp},
                     {"TileN", tileN}};
    if (gemv.pairSpan > 0)
      choice.params.push_back({"PairSpan", gemv.pairSpan});
    if (gemv.kSplit > 1)
      choice.params.push_back({"KSplit", gemv.kSplit});
    choice.grid = {str(ceilDiv(shape.n, tileN)), "1", "1"};
    choice.blockThreads = gemv.warps * 32;
    // A step of one token row (batch-1 decode) runs the same tile compiled
    // for one row: every output is the same sum in the same order as in the
    // base kernel, so results do not depend on the variant, and the kernel
    // keeps no idle accumulators (the 7B sweep: 112 against 121 us a layer
    // for the four projections).
    if (rows == ProjectionRows::DecodeSlots && maxT > 1) {
      KernelVariant variant;
      variant.suffix = "_one_row";
      variant.templateName = "Gemv";
      variant.params = choice.params;
      for (auto &[name, value] : variant.params)
        if (name == "MaxT")
          value = 1;
      variant.grid = choice.grid;
      variant.blockThreads = choice.blockThreads;
      variant.guard.maxRows = 1;
      choice.variants.push_back(std::move(variant));
    }
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
      KernelVariant variant;
      variant.suffix = "_few_rows";
      variant.templateName = "GemmMma";
      variant.params = mmaParams(shape, few);
      variant.grid = {str(ceilDiv(shape.n, few.bn)),
                      "ceildiv(rows, " + str(few.bm) + ")", "1"};
      variant.blockThreads = few.threads();
      variant.dynamicSharedBytes = few.sharedBytes();
      variant.guard.maxRows = kFewRowsMax;
      choice.variants.push_back(std::move(variant));
    }
    // Decode on sm_90: clusters of blocks split K so that the few output
    // tiles of a decode step still fill the chip. Every decode step of the
    // engine runs the same variant on a given device, whatever its rows, so
    // a row's results do not depend on the batch.
    int64_t kSplit = chooseDecodeKSplit(shape, tile, maxRows);
    std::vector<std::string> archs = clusterArchs(options);
    if (slotShaped && kSplit > 1 && !archs.empty()) {
      KernelVariant variant;
      variant.suffix = "_split_k";
      variant.templateName = "GemmMma";
      variant.params = mmaParams(shape, tile);
      variant.params.push_back({"KSplit", kSplit});
      variant.grid = {choice.grid[0], choice.grid[1], str(kSplit)};
      variant.blockThreads = tile.threads();
      variant.dynamicSharedBytes = tile.sharedBytes();
      variant.guard.archs = std::move(archs);
      choice.variants.push_back(std::move(variant));
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

} // namespace llmc

namespace llmc::codegen {

namespace {

/// A projection over all max_slots rows whatever the step (prefill's
/// logits) has its row count baked in as num_rows instead of a rows
/// parameter.
bool hasBakedRows(const LaunchSpec &launch) {
  return launch.constants.count("num_rows") != 0;
}
std::string rowsText(const LaunchSpec &launch) {
  return hasBakedRows(launch) ? constantText(launch, "num_rows") : "rows";
}

std::vector<WrapperParam> projectionParameters(const Wrapper &w) {
  std::vector<WrapperParam> params = {arena("const bf16 *", "x"), weight("w")};
  for (WrapperParam &p : w.epilogue->parameters())
    params.push_back(std::move(p));
  if (!hasBakedRows(*w.launch))
    params.push_back(scalar("rows"));
  return params;
}

/// A static_assert that the template's grid x equals the launch's, when the
/// launch's is a constant.
void emitGridCheck(const LaunchSpec &launch, CudaWriter &out) {
  StatusOr<LaunchDim> x = parseLaunchDim(launch.grid[0]);
  if (x.isOk() && x->isConstant())
    out.line("static_assert(Kernel::kGridX == ", x->evaluate({}),
             ", \"the launch's grid x\");");
}

void emitEpilogueParams(const Wrapper &w, CudaWriter &out) {
  out.line("Epilogue::Params params;");
  w.epilogue->fill(*w.launch, out);
}

std::string gemvType(const Wrapper &w, const std::string &epilogue) {
  const LaunchSpec &l = *w.launch;
  std::vector<std::string> args;
  for (const char *name : {"N", "K", "MaxT", "Warps", "RowsPerWarp", "TileN"})
    args.push_back(std::to_string(l.params.at(name)));
  args.push_back(epilogue);
  // PairSpan defaults to 0 (consecutive columns), KSplit to 1 (a warp per
  // row group); a KSplit needs the PairSpan before it spelled out.
  auto pairSpan = l.params.find("PairSpan");
  auto kSplit = l.params.find("KSplit");
  if (pairSpan != l.params.end() || kSplit != l.params.end())
    args.push_back(
        std::to_string(pairSpan != l.params.end() ? pairSpan->second : 0));
  if (kSplit != l.params.end())
    args.push_back(std::to_string(kSplit->second));
  return "Gemv<" + joinList(args) + ">";
}
void gemvBeforeWait(const Wrapper &, CudaWriter &out) {
  out.line("Kernel::prefetchWeights(w);");
}
void gemvBody(const Wrapper &w, CudaWriter &out) {
  emitGridCheck(*w.launch, out);
  emitEpilogueParams(w, out);
  out.line("Kernel::run(x, w, ", rowsText(*w.launch), ", params);");
}

std::string gemmType(const Wrapper &w, const std::string &epilogue) {
  const LaunchSpec &l = *w.launch;
  std::vector<std::string> tile;
  for (const char *name : {"BM", "BN", "BK", "WarpsM", "WarpsN", "Stages"})
    tile.push_back(std::to_string(l.params.at(name)));
  std::string type = "GemmMma<" + std::to_string(l.params.at("N")) + ", " +
                     std::to_string(l.params.at("K")) + ", MmaTileShape<" +
                     joinList(tile) + ">, " + epilogue;
  // KSplit defaults to 1 (a block per output tile).
  if (auto kSplit = l.params.find("KSplit"); kSplit != l.params.end())
    type += ", " + std::to_string(kSplit->second);
  return type + ">";
}
/// A split-K GemmMma's blocks form a cluster along z.
std::string gemmClusterDims(const Wrapper &w) {
  auto kSplit = w.launch->params.find("KSplit");
  if (kSplit == w.launch->params.end())
    return "";
  return "1, 1, " + std::to_string(kSplit->second);
}
void gemmBody(const Wrapper &w, CudaWriter &out) {
  emitGridCheck(*w.launch, out);
  out.line(
      "static_assert(Kernel::kSharedBytes == ", w.launch->dynamicSharedBytes,
      ", \"the launch's dynamic shared memory\");");
  out.line("extern __shared__ uint4 shared[];");
  emitEpilogueParams(w, out);
  out.line("Kernel::run(x, w, ", rowsText(*w.launch), ", params, shared);");
}

} // namespace

std::vector<KernelDef> projectionKernelDefs() {
  return {
      {"Gemv",
       "Gemv",
       "Gemv.cuh",
       {"N", "K", "MaxT", "Warps", "RowsPerWarp", "TileN"},
       {},
       true,
       projectionParameters,
       gemvType,
       gemvBody,
       /*minBlocksPerSm=*/0,
       /*optionalConstants=*/{"num_rows"},
       gemvBeforeWait,
       /*optionalParams=*/{"PairSpan", "KSplit"}},
      {"GemmMma",
       "GemmMma",
       "GemmMma.cuh",
       {"N", "K", "BM", "BN", "BK", "WarpsM", "WarpsN", "Stages"},
       {},
       true,
       projectionParameters,
       gemmType,
       gemmBody,
       /*minBlocksPerSm=*/0,
       /*optionalConstants=*/{"num_rows"},
       /*beforeWait=*/nullptr,
       /*optionalParams=*/{"KSplit"},
       gemmClusterDims},
  };
}

} // namespace llmc::codegen
