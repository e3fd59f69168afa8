// Hand-written launch sequences of a two-layer stories15M-shaped model.
#include "TinyPhases.h"

#include "runtime/engine/EngineAbi.h"

#include <functional>

namespace llmc::codegen::test {

namespace {

constexpr int64_t kDim = 288, kHeads = 6, kHeadDim = 48, kFfn = 768;
constexpr int64_t kVocab = 32000, kSlots = 8, kBlock = 16, kLayers = 2;
constexpr int64_t kMaxBlocks = 16, kQkv = (kHeads + 2 * kHeads) * kHeadDim;
const double kScale = 0.14433756729740643; // 1 / sqrt(48)

KernelArg input(const char *name) { return namedArg(ArgKind::Input, name); }
KernelArg slot(const char *name) { return namedArg(ArgKind::Slot, name); }
KernelArg rows() { return namedArg(ArgKind::Scalar, "rows"); }
KernelArg weight(const std::string &name) {
  return namedArg(ArgKind::Weight, name);
}
std::string layerWeight(int64_t layer, const char *name) {
  return "model.layers." + std::to_string(layer) + "." + name;
}

/// Hands out arena slices for the activations of a phase.
class Arena {
public:
  explicit Arena(int64_t rows) : rows_(rows) {}
  /// A [rows, columns] tensor of `elementBytes`-byte elements.
  KernelArg slice(int64_t columns, int64_t elementBytes = 2) {
    uint64_t bytes = uint64_t(rows_ * columns * elementBytes);
    KernelArg arg = arenaArg(next_, bytes);
    next_ += (bytes + 255) / 256 * 256;
    return arg;
  }
  uint64_t size() const { return next_; }

private:
  int64_t rows_;
  uint64_t next_ = 0;
};

LaunchSpec launch(const std::string &kernel, const std::string &templateName,
                  std::map<std::string, int64_t> params,
                  std::vector<std::string> fused, int64_t layer,
                  std::array<std::string, 3> grid, int64_t block,
                  std::vector<KernelArg> args) {
  LaunchSpec l;
  l.kernel = kernel;
  l.templateName = templateName;
  l.params = std::move(params);
  l.fused = std::move(fused);
  l.layer = layer;
  l.grid = std::move(grid);
  l.blockThreads = block;
  l.args = std::move(args);
  l.cost.flops = {0, 1000, 0};
  l.cost.bytes = {1000, 100, 0};
  return l;
}

std::string tensor(const std::string &rows, int64_t columns,
                   const char *type = "bf16") {
  return "tensor<" + rows + "x" + std::to_string(columns) + "x" + type + ">";
}

/// A projection launch: Gemv in decode, GemmMma in prefill.
struct Projection {
  const std::string phase;
  const std::string rowsText; ///< "8" or "?"
  LaunchSpec make(const std::string &what, int64_t n, int64_t k,
                  const std::string &epilogue,
                  std::map<std::string, int64_t> epilogueParams,
                  const char *fusedOp, int64_t layer,
                  const std::string &weightName,
                  std::vector<KernelArg> epilogueArgs, KernelArg x) const {
    std::vector<KernelArg> args = {x, weight(weightName)};
    args.insert(args.end(), epilogueArgs.begin(), epilogueArgs.end());
    args.push_back(rows());
    LaunchSpec l;
    const bool rope = epilogue == "RopeKvWrite";
    if (phase == "decode") {
      int64_t tileN = rope ? kHeadDim : 32;
      l = launch(phase + "_" + what, "Gemv",
                 {{"N", n},
                  {"K", k},
                  {"MaxT", kSlots},
                  {"Warps", 4},
                  {"RowsPerWarp", 2},
                  {"TileN", tileN}},
                 {fusedOp}, layer,
                 {std::to_string((n + tileN - 1) / tileN), "1", "1"}, 128,
                 args);
    } else {
      // 64 x 96 tiles (two heads of 48 for the half-split RoPE), 3 stages:
      // (64 + 96) * (32 + 8) * 2 bytes * 3 = 38400 bytes of operands.
      l = launch(phase + "_" + what, "GemmMma",
                 {{"N", n},
                  {"K", k},
                  {"BM", 64},
                  {"BN", 96},
                  {"BK", 32},
                  {"WarpsM", 2},
                  {"WarpsN", 2},
                  {"Stages", 3}},
                 {fusedOp}, layer,
                 {std::to_string((n + 95) / 96), "ceildiv(rows, 64)", "1"}, 128,
                 args);
      l.dynamicSharedBytes = 38400;
    }
    l.epilogue = epilogue;
    l.epilogueParams = std::move(epilogueParams);
    if (rope)
      l.constants["max_blocks_per_seq"] = BakedConstant::ofInteger(kMaxBlocks);
    l.operandTypes = {tensor(rowsText, k)};
    l.resultTypes = {tensor(rowsText, epilogue == "SwiGlu" ? n / 2 : n)};
    return l;
  }
};

LaunchSpec norm(const std::string &phase, const std::string &templateName,
                const std::string &what, const char *fusedOp, int64_t layer,
                std::vector<KernelArg> args) {
  LaunchSpec l = launch(phase + "_" + what, templateName,
                        {{"Dim", kDim}, {"Threads", 128}}, {fusedOp}, layer,
                        {"rows", "1", "1"}, 128, std::move(args));
  l.constants["eps"] = BakedConstant::ofReal(1e-5);
  return l;
}

/// The launches of embed + both layers; `attention` appends a layer's
/// attention launches (q in, attention output out).
PhaseSpec layers(const std::string &name, int64_t maxRows,
                 const std::string &rowsText, Arena &arena,
                 const std::function<void(PhaseSpec &, int64_t, KernelArg,
                                          KernelArg)> &attention) {
  PhaseSpec phase;
  phase.name = name;
  phase.maxRows = maxRows;
  Projection projection{name, rowsText};
  KernelArg residual = arena.slice(kDim), normed = arena.slice(kDim);
  KernelArg q = arena.slice(kHeads * kHeadDim);
  KernelArg attended = arena.slice(kDim), projected = arena.slice(kDim);
  KernelArg hidden = arena.slice(kFfn);

  LaunchSpec embed = launch(
      name + "_embed", "Embed",
      {{"Vocab", kVocab}, {"Dim", kDim}, {"Threads", 256}}, {"llm.embed"}, -1,
      {"rows", "1", "1"}, 256,
      {input("tokens"), weight("model.embed_tokens.weight"), residual, rows()});
  embed.operandTypes = {"tensor<" + rowsText + "xi32>"};
  embed.resultTypes = {tensor(rowsText, kDim)};
  phase.launches.push_back(embed);
  phase.launches.push_back(
      norm(name, "RmsNorm", "rms_norm", "llm.rms_norm", 0,
           {residual, weight(layerWeight(0, "input_layernorm.weight")), normed,
            rows()}));
  for (int64_t layer = 0; layer < kLayers; ++layer) {
    if (layer > 0)
      phase.launches.push_back(
          norm(name, "AddRmsNorm", "add_rms_norm", "llm.add_rms_norm", layer,
               {residual, projected,
                weight(layerWeight(layer, "input_layernorm.weight")), normed,
                rows()}));
    phase.launches.push_back(projection.make(
        "qkv_rope_cache", kQkv, kDim, "RopeKvWrite",
        {{"Heads", kHeads},
         {"KvHeads", kHeads},
         {"HeadDim", kHeadDim},
         {"BlockSize", kBlock},
         {"Layout", 0},
         {"HeadNorm", 0}},
        "llm.qkv_rope_cache", layer,
        layerWeight(layer, "self_attn.qkv_proj.weight"),
        {input("positions"),
         name == "decode" ? nullArg() : input("token_slots"),
         input("block_tables"), namedArg(ArgKind::Constant, "rope_inv_freq"), q,
         layerArg(ArgKind::KvKeys, layer), layerArg(ArgKind::KvValues, layer),
         nullArg(), nullArg(), nullArg()},
        normed));
    attention(phase, layer, q, attended);
    phase.launches.push_back(projection.make(
        "o_proj", kDim, kDim, "StoreBf16", {}, "llm.linear", layer,
        layerWeight(layer, "self_attn.o_proj.weight"), {projected}, attended));
    phase.launches.push_back(
        norm(name, "AddRmsNorm", "add_rms_norm", "llm.add_rms_norm", layer,
             {residual, projected,
              weight(layerWeight(layer, "post_attention_layernorm.weight")),
              normed, rows()}));
    phase.launches.push_back(projection.make(
        "gate_up_swiglu", 2 * kFfn, kDim, "SwiGlu", {}, "llm.gate_up_swiglu",
        layer, layerWeight(layer, "mlp.gate_up_proj.weight"), {hidden},
        normed));
    phase.launches.push_back(projection.make(
        "down_residual", kDim, kFfn, "ResidualAdd", {}, "llm.linear_add", layer,
        layerWeight(layer, "mlp.down_proj.weight"), {residual, residual},
        hidden));
  }
  return phase;
}

} // namespace

PhaseSpec tinyDecode() {
  Arena arena(kSlots);
  KernelArg partialOut = arena.slice(kHeads * kHeadDim, 4);
  KernelArg partialMax = arena.slice(kHeads, 4);
  KernelArg partialSum = arena.slice(kHeads, 4);
  auto attention = [&](PhaseSpec &phase, int64_t layer, KernelArg q,
                       KernelArg out) {
    std::vector<KernelArg> args = {q,
                                   layerArg(ArgKind::KvKeys, layer),
                                   layerArg(ArgKind::KvValues, layer),
                                   input("block_tables"),
                                   input("positions"),
                                   slot("finished"),
                                   partialOut,
                                   partialMax,
                                   partialSum,
                                   out};
    std::map<std::string, BakedConstant> constants = {
        {"scale", BakedConstant::ofReal(kScale)},
        {"q_row_stride", BakedConstant::ofInteger(kDim)},
        {"out_row_stride", BakedConstant::ofInteger(kDim)},
        {"max_blocks_per_seq", BakedConstant::ofInteger(kMaxBlocks)},
        {"max_partitions", BakedConstant::ofInteger(1)}};
    LaunchSpec partition =
        launch("decode_attention_partition", "PagedAttentionDecodePartition",
               {{"Heads", kHeads},
                {"KvHeads", kHeads},
                {"HeadDim", kHeadDim},
                {"BlockSize", kBlock},
                {"PartitionSize", 512}},
               {"llm.attention"}, layer, {"1", "6", "rows"}, 128, args);
    partition.constants = constants;
    LaunchSpec reduce = launch(
        "decode_attention_reduce", "PagedAttentionDecodeReduce",
        {{"Heads", kHeads}, {"HeadDim", kHeadDim}, {"PartitionSize", 512}},
        {"llm.attention"}, layer, {"6", "rows", "1"}, 64, args);
    reduce.constants = constants;
    phase.launches.push_back(partition);
    phase.launches.push_back(reduce);
  };
  PhaseSpec phase = layers("decode", kSlots, "8", arena, attention);
  KernelArg normed = arena.slice(kDim), logits = arena.slice(kVocab, 4);
  const KernelArg &residual = phase.launches.front().args[2];
  phase.launches.push_back(
      norm("decode", "RmsNorm", "rms_norm", "llm.logits", -1,
           {residual, weight("model.norm.weight"), normed, rows()}));
  Projection projection{"decode", "8"};
  phase.launches.push_back(projection.make("logits", kVocab, kDim, "StoreF32",
                                           {}, "llm.logits", -1,
                                           "lm_head.weight", {logits}, normed));
  phase.outputs["logits"] = logits;
  phase.arenaBytes = arena.size();
  return phase;
}

PhaseSpec tinyPrefill() {
  const int64_t maxRows = 64;
  Arena arena(maxRows);
  auto attention = [&](PhaseSpec &phase, int64_t layer, KernelArg q,
                       KernelArg out) {
    LaunchSpec l =
        launch("prefill_attention", "PagedAttentionPrefill",
               {{"Heads", kHeads},
                {"KvHeads", kHeads},
                {"HeadDim", kHeadDim},
                {"BlockSize", kBlock}},
               {"llm.attention"}, layer,
               {"ceildiv(max_chunk_rows, 64)", "6", "seqs"}, 128,
               {q, layerArg(ArgKind::KvKeys, layer),
                layerArg(ArgKind::KvValues, layer), input("block_tables"),
                input("seq_slots"), input("query_starts"),
                input("start_positions"), out});
    l.constants = {
        {"scale", BakedConstant::ofReal(kScale)},
        {"q_row_stride", BakedConstant::ofInteger(kDim)},
        {"out_row_stride", BakedConstant::ofInteger(kDim)},
        {"max_blocks_per_seq", BakedConstant::ofInteger(kMaxBlocks)}};
    phase.launches.push_back(l);
  };
  PhaseSpec phase = layers("prefill", maxRows, "?", arena, attention);
  KernelArg gathered = arena.slice(kDim);
  const KernelArg &residual = phase.launches.front().args[2];
  LaunchSpec gather = launch(
      "prefill_logits_norm", "RmsNormGather", {{"Dim", kDim}, {"Threads", 128}},
      {"llm.logits"}, -1, {"8", "1", "1"}, 128,
      {residual, input("logit_rows"), weight("model.norm.weight"), gathered});
  gather.constants = {{"eps", BakedConstant::ofReal(1e-5)},
                      {"num_rows", BakedConstant::ofInteger(kSlots)}};
  phase.launches.push_back(gather);
  // The logits of every slot: a decode-shaped projection over all 8 rows,
  // its row count baked in.
  KernelArg logits = arena.slice(kVocab, 4);
  LaunchSpec lmHead = Projection{"decode", "8"}.make(
      "logits", kVocab, kDim, "StoreF32", {}, "llm.logits", -1,
      "lm_head.weight", {logits}, gathered);
  lmHead.kernel = "prefill_logits";
  lmHead.args.pop_back();
  lmHead.constants["num_rows"] = BakedConstant::ofInteger(kSlots);
  phase.launches.push_back(lmHead);
  phase.outputs["logits"] = logits;
  phase.arenaBytes = arena.size();
  return phase;
}

PhaseSpec tinySample() {
  PhaseSpec phase;
  phase.name = "sample";
  phase.maxRows = kSlots;
  Arena arena(kSlots);
  KernelArg sampled = arena.slice(1, 4);
  std::vector<KernelArg> slots;
  for (const engine::SlotArrayInfo &array : engine::kSlotArrays)
    slots.push_back(slot(array.name));
  std::vector<KernelArg> samplingArgs = {input("logits")};
  samplingArgs.insert(samplingArgs.end(), slots.begin(), slots.end());
  samplingArgs.push_back(input("slot_mask"));
  samplingArgs.push_back(sampled);
  LaunchSpec sampling =
      launch("sample_tokens", "Sampling", {{"Vocab", kVocab}, {"Threads", 256}},
             {}, -1, {"8", "1", "1"}, 256, samplingArgs);
  sampling.constants["num_slots"] = BakedConstant::ofInteger(kSlots);
  std::vector<KernelArg> logprobsArgs = {input("logits")};
  logprobsArgs.insert(logprobsArgs.end(), slots.begin(), slots.end());
  for (KernelArg arg :
       {input("slot_mask"), sampled, input("logprob_ring"),
        input("step_counter"), namedArg(ArgKind::Scalar, "ring_rows")})
    logprobsArgs.push_back(arg);
  LaunchSpec logprobs = launch("sample_logprobs", "Logprobs",
                               {{"Vocab", kVocab}, {"Threads", 256}}, {}, -1,
                               {"8", "1", "1"}, 256, logprobsArgs);
  logprobs.constants["num_slots"] = BakedConstant::ofInteger(kSlots);
  std::vector<KernelArg> updateArgs = slots;
  for (KernelArg arg :
       {sampled, input("slot_mask"), input("token_ring"), input("step_counter"),
        namedArg(ArgKind::Scalar, "ring_rows")})
    updateArgs.push_back(arg);
  LaunchSpec update =
      launch("sample_slot_update", "SlotUpdate", {{"Threads", 128}}, {}, -1,
             {"1", "1", "1"}, 128, updateArgs);
  update.constants["num_slots"] = BakedConstant::ofInteger(kSlots);
  phase.launches = {sampling, logprobs, update};
  phase.arenaBytes = arena.size();
  return phase;
}

} // namespace llmc::codegen::test
