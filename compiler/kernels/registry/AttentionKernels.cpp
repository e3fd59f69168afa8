// The paged attention kernels (PagedAttentionPrefill.cuh,
// PagedAttentionDecode.cuh): their definitions, selection and costs.
#include "compiler/kernels/registry/KernelRegistry.h"
#include "compiler/kernels/registry/SelectionSupport.h"

namespace llmc {

using namespace selection;

namespace {
/// Query rows and keys per tile of the attention kernels.
constexpr int64_t kAttentionTileRows = tiles::kAttentionTileRows;
} // namespace

StatusOr<KernelChoice> selectPrefillAttention(const AttentionShape &shape,
                                              const KernelOptions &options) {
  LLMC_RETURN_IF_ERROR(checkAttentionShape(shape));
  // Its key and value tiles are static shared arrays of 64 padded rows.
  int64_t shared = tiles::prefillAttentionSharedBytes(shape.headDim);
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
  auto sharedBytes = [&](int64_t partition) {
    return tiles::decodePartitionSharedBytes(group, shape.headDim, partition);
  };
  // Short partitions give a step of few rows enough blocks: with 512
  // positions, batch-1 decode ran one block per kv head through eight key
  // tiles in a row (18 us a layer on an H100, latency-bound). Many rows lose
  // little by it: the reduction reads head_dim + 2 floats per partition.
  // Engines of few slots (whose decode is latency-bound) go down to one key
  // tile per partition: a Llama-2-7B step at context 256 then runs 128
  // blocks of one tile rather than 64 of two.
  int64_t partition = options.maxSlots <= kGemvMaxRows ? kAttentionTileRows
                                                       : 2 * kAttentionTileRows;
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

} // namespace llmc

namespace llmc::codegen {

namespace {

/// The Params fields every attention kernel sets alike: the query rows and
/// the paged KV cache they attend to.
/// A sliding window (Mistral), when the launch has one.
void emitWindow(const LaunchSpec &l, CudaWriter &out) {
  if (l.constants.count("window"))
    out.line("params.window = ", constantText(l, "window"), ";");
}

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
  emitWindow(l, out);
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
  emitWindow(l, out);
  out.line("Kernel::run(params);");
}

} // namespace

std::vector<KernelDef> attentionKernelDefs() {
  return {
      {"PagedAttentionPrefill",
       "PagedAttentionPrefill",
       "PagedAttentionPrefill.cuh",
       {"Heads", "KvHeads", "HeadDim", "BlockSize"},
       {"scale", "q_row_stride", "out_row_stride", "max_blocks_per_seq"},
       false,
       prefillAttentionParameters,
       nullptr,
       prefillAttentionBody,
       /*minBlocksPerSm=*/0,
       /*optionalConstants=*/{"window"}},
      {"PagedAttentionDecodePartition",
       "PagedAttentionDecodePartition",
       "PagedAttentionDecode.cuh",
       {"Heads", "KvHeads", "HeadDim", "BlockSize", "PartitionSize"},
       {"scale", "q_row_stride", "out_row_stride", "max_blocks_per_seq",
        "max_partitions"},
       false,
       decodePartitionParameters,
       nullptr,
       decodeAttentionBody,
       /*minBlocksPerSm=*/0,
       /*optionalConstants=*/{"window"}},
      {"PagedAttentionDecodeReduce",
       "PagedAttentionDecodeReduce",
       "PagedAttentionDecode.cuh",
       {"Heads", "HeadDim", "PartitionSize"},
       {"scale", "q_row_stride", "out_row_stride", "max_blocks_per_seq",
        "max_partitions"},
       false,
       decodeReduceParameters,
       nullptr,
       decodeAttentionBody,
       /*minBlocksPerSm=*/0,
       /*optionalConstants=*/{"window"}},
  };
}

} // namespace llmc::codegen
