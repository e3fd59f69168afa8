// The kernel-library templates (compiler/kernels/*.cuh) as the wrapper
// sees them: each entry mirrors its template's comment (arguments, launch
// shape) and writes the body that builds its Params and calls run().
#include "compiler/Codegen/EmitterTables.h"

#include "runtime/engine/EngineAbi.h"
#include "runtime/engine/LaunchDims.h"

namespace llmc::codegen {

namespace {

/// The SlotState arrays (EngineAbi.h) in the order the kernels take them.
void appendSlotArrays(std::vector<WrapperParam> &params) {
  for (const engine::SlotArrayInfo &array : engine::kSlotArrays) {
    const std::string type =
        (array.writable ? "" : "const ") + std::string(array.type) + " *";
    params.push_back(slot(type.c_str(), array.name));
  }
}

/// `state`, a SlotState, filled from the slot_* parameters.
void emitSlotState(const LaunchSpec &launch, CudaWriter &out) {
  out.line("SlotState state;");
  for (const engine::SlotArrayInfo &array : engine::kSlotArrays)
    out.line("state.", array.field, " = slot_", array.name, ";");
  out.line("state.numSlots = ", launch.constants.at("num_slots").integer, ";");
}

std::vector<WrapperParam> embedParameters(const Wrapper &) {
  return {input("const int *", "tokens", "tokens"), weight("table"),
          arena("bf16 *", "out"), scalar("rows")};
}
void embedBody(const Wrapper &, CudaWriter &out) {
  out.line("Kernel::run(tokens, table, out, rows);");
}

std::vector<WrapperParam> rmsNormParameters(const Wrapper &) {
  return {arena("const bf16 *", "x"), weight("weight"), arena("bf16 *", "out"),
          scalar("rows")};
}
void rmsNormBody(const Wrapper &w, CudaWriter &out) {
  out.line("Kernel::run(x, weight, out, ", floatConstantText(*w.launch, "eps"),
           ", rows);");
}

std::vector<WrapperParam> rmsNormGatherParameters(const Wrapper &) {
  return {arena("const bf16 *", "x"),
          input("const int *", "row_index", "logit_rows"), weight("weight"),
          arena("bf16 *", "out")};
}
void rmsNormGatherBody(const Wrapper &w, CudaWriter &out) {
  out.line("Kernel::run(x, row_index, weight, out, ",
           floatConstantText(*w.launch, "eps"), ", ",
           constantText(*w.launch, "num_rows"), ");");
}

std::vector<WrapperParam> addRmsNormParameters(const Wrapper &) {
  return {arena("bf16 *", "residual"), arena("const bf16 *", "x"),
          weight("weight"), arena("bf16 *", "out"), scalar("rows")};
}
void addRmsNormBody(const Wrapper &w, CudaWriter &out) {
  out.line("Kernel::run(residual, x, weight, out, ",
           floatConstantText(*w.launch, "eps"), ", rows);");
}

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
  return "Gemv<" + joinList(args) + ">";
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

/// The Params fields every attention kernel sets alike: the query rows and
/// the paged KV cache they attend to.
void emitAttentionCacheFields(const LaunchSpec &l, CudaWriter &out) {
  out.line("params.q = q;");
  out.line("params.qRowStride = ", constantText(l, "q_row_stride"), ";");
  out.line("params.kCache = k_cache;");
  out.line("params.vCache = v_cache;");
  out.line("params.blockTables = block_tables;");
  out.line("params.maxBlocksPerSeq = ", constantText(l, "max_blocks_per_seq"),
           ";");
}

std::vector<WrapperParam> prefillAttentionParameters(const Wrapper &) {
  return {arena("const bf16 *", "q"),
          {"const bf16 *", "k_cache", ArgKind::KvKeys, "", false},
          {"const bf16 *", "v_cache", ArgKind::KvValues, "", false},
          input("const int *", "block_tables", "block_tables"),
          input("const int *", "seq_slots", "seq_slots"),
          input("const int *", "query_starts", "query_starts"),
          input("const int *", "start_positions", "start_positions"),
          arena("bf16 *", "out")};
}
void prefillAttentionBody(const Wrapper &w, CudaWriter &out) {
  const LaunchSpec &l = *w.launch;
  out.line("PrefillAttentionParams params;");
  emitAttentionCacheFields(l, out);
  out.line("params.seqSlots = seq_slots;");
  out.line("params.queryStarts = query_starts;");
  out.line("params.startPositions = start_positions;");
  out.line("params.scale = ", floatConstantText(l, "scale"), ";");
  out.line("params.out = out;");
  out.line("params.outRowStride = ", constantText(l, "out_row_stride"), ";");
  out.line("Kernel::run(params);");
}

/// Both decode attention kernels take the same arguments (one Params
/// struct); each binds only what it reads or writes and passes null for the
/// rest: the partition kernel reads q and the cache and writes the partial_*
/// workspaces, the reduce kernel reads those and writes out.
std::vector<WrapperParam> decodeAttentionParameters(bool isPartition) {
  auto nullableUnless = [](WrapperParam param, bool needed) {
    param.nullable = !needed;
    return param;
  };
  return {
      nullableUnless(arena("const bf16 *", "q"), isPartition),
      nullableUnless({"const bf16 *", "k_cache", ArgKind::KvKeys, "", false},
                     isPartition),
      nullableUnless({"const bf16 *", "v_cache", ArgKind::KvValues, "", false},
                     isPartition),
      nullableUnless(input("const int *", "block_tables", "block_tables"),
                     isPartition),
      input("const int *", "positions", "positions"),
      {"const int *", "finished", ArgKind::Slot, "finished", true},
      arena("float *", "partial_out"),
      arena("float *", "partial_max"),
      arena("float *", "partial_sum"),
      nullableUnless(arena("bf16 *", "out"), !isPartition)};
}
std::vector<WrapperParam> decodePartitionParameters(const Wrapper &) {
  return decodeAttentionParameters(/*isPartition=*/true);
}
std::vector<WrapperParam> decodeReduceParameters(const Wrapper &) {
  return decodeAttentionParameters(/*isPartition=*/false);
}
void decodeAttentionBody(const Wrapper &w, CudaWriter &out) {
  const LaunchSpec &l = *w.launch;
  out.line("DecodeAttentionParams params;");
  emitAttentionCacheFields(l, out);
  out.line("params.positions = positions;");
  out.line("params.finished = finished;");
  out.line("params.scale = ", floatConstantText(l, "scale"), ";");
  out.line("params.partialOut = partial_out;");
  out.line("params.partialMax = partial_max;");
  out.line("params.partialSum = partial_sum;");
  out.line("params.maxPartitions = ", constantText(l, "max_partitions"), ";");
  out.line("params.out = out;");
  out.line("params.outRowStride = ", constantText(l, "out_row_stride"), ";");
  out.line("Kernel::run(params);");
}

std::vector<WrapperParam> samplingParameters(const Wrapper &) {
  std::vector<WrapperParam> params = {
      input("const float *", "logits", "logits")};
  appendSlotArrays(params);
  params.push_back(
      input("const int *", "slot_mask", "slot_mask", /*nullable=*/true));
  params.push_back(arena("int *", "sampled"));
  return params;
}
void samplingBody(const Wrapper &w, CudaWriter &out) {
  emitSlotState(*w.launch, out);
  out.line("Kernel::run(logits, state, slot_mask, sampled);");
}

std::vector<WrapperParam> slotUpdateParameters(const Wrapper &) {
  std::vector<WrapperParam> params;
  appendSlotArrays(params);
  params.push_back(arena("const int *", "sampled"));
  params.push_back(
      input("const int *", "slot_mask", "slot_mask", /*nullable=*/true));
  params.push_back(input("TokenRingEntry *", "token_ring", "token_ring"));
  params.push_back(input("unsigned *", "step_counter", "step_counter"));
  params.push_back(scalar("ring_rows"));
  return params;
}
void slotUpdateBody(const Wrapper &w, CudaWriter &out) {
  emitSlotState(*w.launch, out);
  out.line("Kernel::run(state, slot_mask, sampled, token_ring, ring_rows, "
           "step_counter);");
}

} // namespace

const std::vector<TemplateEmitter> &templateEmitters() {
  static const std::vector<TemplateEmitter> kTemplates = {
      {"Embed",
       "Embed",
       "Embed.cuh",
       {"Vocab", "Dim", "Threads"},
       {},
       false,
       embedParameters,
       nullptr,
       embedBody},
      {"RmsNorm",
       "RmsNorm",
       "RmsNorm.cuh",
       {"Dim", "Threads"},
       {"eps"},
       false,
       rmsNormParameters,
       nullptr,
       rmsNormBody},
      {"RmsNormGather",
       "RmsNormGather",
       "RmsNorm.cuh",
       {"Dim", "Threads"},
       {"eps", "num_rows"},
       false,
       rmsNormGatherParameters,
       nullptr,
       rmsNormGatherBody},
      {"AddRmsNorm",
       "AddRmsNorm",
       "RmsNorm.cuh",
       {"Dim", "Threads"},
       {"eps"},
       false,
       addRmsNormParameters,
       nullptr,
       addRmsNormBody},
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
       /*optionalConstants=*/{"num_rows"}},
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
      {"PagedAttentionPrefill",
       "PagedAttentionPrefill",
       "PagedAttentionPrefill.cuh",
       {"Heads", "KvHeads", "HeadDim", "BlockSize"},
       {"scale", "q_row_stride", "out_row_stride", "max_blocks_per_seq"},
       false,
       prefillAttentionParameters,
       nullptr,
       prefillAttentionBody},
      {"PagedAttentionDecodePartition",
       "PagedAttentionDecodePartition",
       "PagedAttentionDecode.cuh",
       {"Heads", "KvHeads", "HeadDim", "BlockSize", "PartitionSize"},
       {"scale", "q_row_stride", "out_row_stride", "max_blocks_per_seq",
        "max_partitions"},
       false,
       decodePartitionParameters,
       nullptr,
       decodeAttentionBody},
      {"PagedAttentionDecodeReduce",
       "PagedAttentionDecodeReduce",
       "PagedAttentionDecode.cuh",
       {"Heads", "HeadDim", "PartitionSize"},
       {"scale", "q_row_stride", "out_row_stride", "max_blocks_per_seq",
        "max_partitions"},
       false,
       decodeReduceParameters,
       nullptr,
       decodeAttentionBody},
      {"Sampling",
       "SamplingKernel",
       "Sampling.cuh",
       {"Vocab", "Threads"},
       {"num_slots"},
       false,
       samplingParameters,
       nullptr,
       samplingBody,
       /*minBlocksPerSm=*/1},
      {"SlotUpdate",
       "SlotUpdateKernel",
       "SlotState.cuh",
       {"Threads"},
       {"num_slots"},
       false,
       slotUpdateParameters,
       nullptr,
       slotUpdateBody},
  };
  return kTemplates;
}

} // namespace llmc::codegen
