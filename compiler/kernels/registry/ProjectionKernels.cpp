// The projections (Gemv.cuh, GemmMma.cuh): their definitions, tile
// selection and costs. Their epilogues are in Epilogues.cpp.
#include "compiler/kernels/registry/KernelRegistry.h"
#include "compiler/kernels/registry/SelectionSupport.h"

#include "runtime/engine/LaunchDims.h"

#include <algorithm>
#include <numeric>

namespace llmc {

using namespace selection;

namespace {

/// Gemv keeps at most this many token rows in registers per pass.
constexpr int64_t kGemvMaxRows = 32;
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
/// columns) per block, and the pair span of a paired tile (0: consecutive
/// columns).
struct GemvTile {
  int64_t warps, rowsPerWarp, tileN, pairSpan;
};

/// 16 columns, or whole heads for head norms. Narrow tiles give many blocks,
/// and eight warps of two rows each keep enough loads in flight to stream
/// the weights (1 row on an H100: 2.0-2.8 TB/s against 0.9-2.6 TB/s for
/// 32-column tiles of four warps). Blocks of four warps over 4 columns (N / 4
/// blocks) measured no faster on an H200 at 8 slots (Llama-2-7B TPOT 6.09
/// against 5.97 ms). Half-split RoPE takes 8 of its (i, i + head_dim / 2)
/// pairs per block (a paired tile) rather than whole heads, which gave the
/// 7B QKV projection 96 blocks for 132 SMs.
GemvTile chooseGemvTile(const ProjectionShape &shape) {
  constexpr int64_t kColumns = 16;
  if (shape.epilogue == EpilogueKind::RopeKvWrite && shape.halfSplitRope &&
      !shape.headNorm && (shape.attention.headDim / 2) % (kColumns / 2) == 0)
    return {8, 2, kColumns, shape.attention.headDim / 2};
  int64_t unit = tileColumnUnit(shape);
  return {8, 2, roundUp(kColumns, std::lcm<int64_t>(unit, 2)), 0};
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
    GemvTile gemv = chooseGemvTile(shape);
    int64_t tileN = gemv.tileN;
    int64_t maxT = maxRows;
    if (maxT * tileN * kF32Bytes > kStaticSharedLimit)
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
    choice.grid = {str(ceilDiv(shape.n, tileN)), "1", "1"};
    choice.blockThreads = gemv.warps * 32;
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
  // PairSpan defaults to 0 (consecutive columns).
  if (auto pairSpan = l.params.find("PairSpan"); pairSpan != l.params.end())
    args.push_back(std::to_string(pairSpan->second));
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
  return "GemmMma<" + std::to_string(l.params.at("N")) + ", " +
         std::to_string(l.params.at("K")) + ", MmaTileShape<" + joinList(tile) +
         ">, " + epilogue + ">";
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
       /*optionalParams=*/{"PairSpan"}},
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
       /*optionalConstants=*/{"num_rows"}},
  };
}

} // namespace llmc::codegen
