// The projection epilogues (compiler/kernels/Epilogues.cuh): their
// definitions, i.e. their type, their parameters after x and w, and how
// their Params struct is filled.
#include "compiler/kernels/registry/KernelRegistry.h"

namespace llmc::codegen {

namespace {

/// An epilogue parameter; "N" defaults to the projection's N.
int64_t epilogueParam(const LaunchSpec &launch, const std::string &name) {
  auto it = launch.epilogueParams.find(name);
  return it != launch.epilogueParams.end() ? it->second
                                           : launch.params.at(name);
}

std::string columnsArgument(const LaunchSpec &launch) {
  return std::to_string(epilogueParam(launch, "N"));
}

std::vector<WrapperParam> storeBf16Parameters() {
  return {arena("bf16 *", "out")};
}
std::vector<WrapperParam> storeF32Parameters() {
  return {arena("float *", "out")};
}
std::vector<WrapperParam> residualAddParameters() {
  return {arena("const bf16 *", "residual"), arena("bf16 *", "out")};
}
void fillOut(const LaunchSpec &, CudaWriter &out) {
  out.line("params.out = out;");
}
void fillResidualAdd(const LaunchSpec &, CudaWriter &out) {
  out.line("params.residual = residual;");
  out.line("params.out = out;");
}

std::vector<WrapperParam> ropeKvWriteParameters() {
  return {input("const int *", "positions", "positions"),
          input("const int *", "token_slots", "token_slots",
                /*nullable=*/true),
          input("const int *", "block_tables", "block_tables"),
          {"const float *", "inverse_frequencies", ArgKind::Constant,
           "rope_inv_freq", false},
          arena("bf16 *", "q"),
          {"bf16 *", "k_cache", ArgKind::KvKeys, "", false},
          {"bf16 *", "v_cache", ArgKind::KvValues, "", false},
          // Optional: the q/k/v bias (Qwen2), the q and k head norms (Qwen3).
          {"const bf16 *", "bias", ArgKind::Weight, "", true},
          {"const bf16 *", "q_norm", ArgKind::Weight, "", true},
          {"const bf16 *", "k_norm", ArgKind::Weight, "", true}};
}
void fillRopeKvWrite(const LaunchSpec &launch, CudaWriter &out) {
  out.line("params.positions = positions;");
  out.line("params.tokenSlots = token_slots;");
  out.line("params.blockTables = block_tables;");
  out.line("params.maxBlocksPerSeq = ",
           constantText(launch, "max_blocks_per_seq"), ";");
  out.line("params.inverseFrequencies = inverse_frequencies;");
  out.line("params.q = q;");
  out.line("params.kCache = k_cache;");
  out.line("params.vCache = v_cache;");
  out.line("params.bias = bias;");
  if (launch.epilogueParams.at("HeadNorm") != 0) {
    out.line("params.qNorm = q_norm;");
    out.line("params.kNorm = k_norm;");
    out.line("params.normEps = ", floatConstantText(launch, "norm_eps"), ";");
  }
}
std::string ropeKvWriteArguments(const LaunchSpec &launch) {
  // RopeLayout's values (Rope.cuh): 0 interleaved, 1 half-split.
  int64_t layout = launch.epilogueParams.at("Layout");
  std::vector<std::string> arguments = {
      std::to_string(launch.epilogueParams.at("Heads")),
      std::to_string(launch.epilogueParams.at("KvHeads")),
      std::to_string(launch.epilogueParams.at("HeadDim")),
      std::to_string(launch.epilogueParams.at("BlockSize")),
      layout == 0 ? "RopeLayout::Interleaved" : "RopeLayout::HalfSplit"};
  // HeadNorm defaults to false in the library.
  if (launch.epilogueParams.at("HeadNorm") != 0)
    arguments.push_back("true");
  return joinList(arguments);
}

} // namespace

std::vector<EpilogueDef> projectionEpilogueDefs() {
  return {
      {"StoreBf16",
       "StoreBf16Epilogue",
       {"N"},
       {},
       storeBf16Parameters,
       fillOut,
       columnsArgument},
      {"StoreF32",
       "StoreF32Epilogue",
       {"N"},
       {},
       storeF32Parameters,
       fillOut,
       columnsArgument},
      {"ResidualAdd",
       "ResidualAddEpilogue",
       {"N"},
       {},
       residualAddParameters,
       fillResidualAdd,
       columnsArgument},
      {"SwiGlu",
       "SwiGluEpilogue",
       {"N"},
       {},
       storeBf16Parameters,
       fillOut,
       columnsArgument},
      {"RopeKvWrite",
       "RopeKvWriteEpilogue",
       {"Heads", "KvHeads", "HeadDim", "BlockSize", "Layout", "HeadNorm"},
       {"max_blocks_per_seq"},
       ropeKvWriteParameters,
       fillRopeKvWrite,
       ropeKvWriteArguments,
       // The inverse-frequency table already holds theta and the llama3
       // scaling; the launch records what it was computed from.
       /*optionalConstants=*/
       {"rope_theta", "rope_scaling_factor", "rope_low_freq_factor",
        "rope_high_freq_factor", "rope_original_max_position", "norm_eps"}},
  };
}

} // namespace llmc::codegen
