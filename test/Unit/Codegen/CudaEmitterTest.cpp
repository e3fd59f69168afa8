// The CUDA emitter writes one readable wrapper per distinct kernel of a phase
// (launches of every layer share it), with the fused ops, instantiation,
// shapes and layers in a comment, template parameters in the template's
// order and the Params structs filled from flat parameters; launches that do
// not fit their template are refused with the kernel and argument named.
#include "TinyPhases.h"

#include "compiler/Codegen/CudaEmitter.h"
#include "compiler/Codegen/ManifestEntries.h"
#include "compiler/kernels/registry/Wrapper.h"
#include "runtime/reference/ReferenceOps.h"

#include <gtest/gtest.h>

namespace llmc::codegen {
namespace {

using test::tinyDecode;
using test::tinyPrefill;
using test::tinySample;

#define EXPECT_CONTAINS(text, part)                                            \
  EXPECT_NE(std::string(text).find(part), std::string::npos)                   \
      << "missing: " << (part) << "\nin:\n"                                    \
      << (text)

size_t countOf(const std::string &text, const std::string &part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos;
       at = text.find(part, at + 1))
    ++count;
  return count;
}

PhaseSource emitted(const PhaseSpec &phase) {
  StatusOr<PhaseSource> unit = emitPhaseSource(phase);
  EXPECT_TRUE(unit.isOk()) << unit.status().message();
  return unit.isOk() ? *unit : PhaseSource{};
}

/// Applies `edit` to every launch of `kernel` (so they still agree).
template <typename Edit>
PhaseSpec edited(PhaseSpec phase, const std::string &kernel, Edit edit) {
  for (LaunchSpec &launch : phase.launches)
    if (launch.kernel == kernel)
      edit(launch);
  return phase;
}

std::string refusal(const PhaseSpec &phase) {
  StatusOr<PhaseSource> unit = emitPhaseSource(phase);
  EXPECT_FALSE(unit.isOk());
  return unit.isOk() ? "" : unit.status().message();
}

TEST(CudaEmitter, OneWrapperPerDistinctKernel) {
  PhaseSpec decode = tinyDecode();
  PhaseSource unit = emitted(decode);
  // embed, rms_norm, add_rms_norm, qkv, partition, reduce, o_proj, gate_up,
  // down, logits: the second layer adds no kernel.
  EXPECT_EQ(unit.kernels.size(), 10u);
  EXPECT_EQ(countOf(unit.source, "extern \"C\" __global__"), 10u);
  EXPECT_EQ(unit.fileName, "decode.cu");
  EXPECT_EQ(countOf(unit.source, "decode_qkv_rope_cache("), 1u);
}

TEST(CudaEmitter, IncludesOnlyTheHeadersItUses) {
  std::string sample = emitted(tinySample()).source;
  EXPECT_CONTAINS(sample, "#include \"Sampling.cuh\"");
  EXPECT_CONTAINS(sample, "#include \"SlotState.cuh\"");
  EXPECT_EQ(sample.find("Gemv.cuh"), std::string::npos);
  std::string prefill = emitted(tinyPrefill()).source;
  EXPECT_CONTAINS(prefill, "#include \"GemmMma.cuh\"");
  EXPECT_CONTAINS(prefill, "#include \"PagedAttentionPrefill.cuh\"");
}

TEST(CudaEmitter, CommentNamesFusedOpsShapesLaunchAndLayers) {
  std::string source = emitted(tinyDecode()).source;
  EXPECT_CONTAINS(source, "// decode_qkv_rope_cache: llm.qkv_rope_cache\n"
                          "//   Gemv<864, 288, 8, 4, 2, 48, "
                          "RopeKvWriteEpilogue<6, 6, 48, 16, "
                          "RopeLayout::Interleaved>>\n"
                          "//   (tensor<8x288xbf16>) -> (tensor<8x864xbf16>)\n"
                          "//   grid (18, 1, 1), block 128, no dynamic shared "
                          "memory\n"
                          "//   run by layers 0-1 (2 launches)\n");
  EXPECT_CONTAINS(source, "// decode_embed: llm.embed");
  EXPECT_CONTAINS(source, "//   run by no layer (1 launch)");
  // The final norm before the logits shares the first layer's kernel.
  EXPECT_CONTAINS(source, "// decode_rms_norm: llm.rms_norm\n"
                          "//   RmsNorm<288, 128>\n"
                          "//   grid (rows, 1, 1), block 128, no dynamic "
                          "shared memory\n"
                          "//   run by layer 0 and 1 outside the layers (2 "
                          "launches)");
  // The add_rms_norm kernel runs three times: after attention in both layers
  // and before the second layer's attention.
  EXPECT_CONTAINS(source, "//   run by layers 0-1 (3 launches)");
}

TEST(CudaEmitter, GemvWrapperFillsTheRopeEpilogueFromFlatParameters) {
  std::string source = emitted(tinyDecode()).source;
  EXPECT_CONTAINS(
      source,
      "extern \"C\" __global__ void __launch_bounds__(128)\n"
      "decode_qkv_rope_cache(const bf16 *x,\n"
      "                      const bf16 *w,\n"
      "                      const int *positions,\n"
      "                      const int *token_slots,\n"
      "                      const int *block_tables,\n"
      "                      const float *inverse_frequencies,\n"
      "                      bf16 *q,\n"
      "                      bf16 *k_cache,\n"
      "                      bf16 *v_cache,\n"
      "                      const bf16 *bias,\n"
      "                      const bf16 *q_norm,\n"
      "                      const bf16 *k_norm,\n"
      "                      int rows) {\n"
      "  using Epilogue = RopeKvWriteEpilogue<6, 6, 48, 16, "
      "RopeLayout::Interleaved>;\n"
      "  using Kernel = Gemv<864, 288, 8, 4, 2, 48, Epilogue>;\n"
      "  static_assert(Kernel::kThreads == 128, \"the launch's block size\");\n"
      "  launchDependentGrids();\n"
      "  Kernel::prefetchWeights(w);\n"
      "  waitForPrerequisiteGrid();\n"
      "  static_assert(Kernel::kGridX == 18, \"the launch's grid x\");\n"
      "  Epilogue::Params params;\n"
      "  params.positions = positions;\n"
      "  params.tokenSlots = token_slots;\n"
      "  params.blockTables = block_tables;\n"
      "  params.maxBlocksPerSeq = 16;\n");
  // Without head norms only the (null) bias is filled.
  EXPECT_CONTAINS(source, "  params.bias = bias;\n"
                          "  Kernel::run(x, w, rows, params);\n}\n");
}

TEST(CudaEmitter, GemmOrdersTileParametersAsTheTemplateDeclaresThem) {
  std::string source = emitted(tinyPrefill()).source;
  // The params dictionary is sorted (BK, BM, BN, K, N, Stages, ...); the
  // instantiation follows GemmMma<N, K, MmaTileShape<BM, BN, BK, WarpsM,
  // WarpsN, Stages>, Epilogue>.
  EXPECT_CONTAINS(source, "using Kernel = GemmMma<1536, 288, "
                          "MmaTileShape<64, 96, 32, 2, 2, 3>, Epilogue>;");
  EXPECT_CONTAINS(source, "using Epilogue = SwiGluEpilogue<1536>;");
  EXPECT_CONTAINS(source, "static_assert(Kernel::kSharedBytes == 38400, "
                          "\"the launch's dynamic shared memory\");\n"
                          "  extern __shared__ uint4 shared[];");
  EXPECT_CONTAINS(source, "Kernel::run(x, w, rows, params, shared);");
  EXPECT_CONTAINS(source, "//   grid (16, ceildiv(rows, 64), 1), block 128, "
                          "38400 bytes of dynamic shared memory");
}

TEST(CudaEmitter, ProjectionOverAllSlotsBakesItsRowCount) {
  std::string source = emitted(tinyPrefill()).source;
  EXPECT_CONTAINS(source, "prefill_logits(const bf16 *x, const bf16 *w, "
                          "float *out) {");
  EXPECT_CONTAINS(source, "  Kernel::run(x, w, 8, params);");
}

TEST(CudaEmitter, EpiloguesTakeTheirOwnArguments) {
  std::string source = emitted(tinyDecode()).source;
  EXPECT_CONTAINS(source, "decode_down_residual(const bf16 *x,\n"
                          "                     const bf16 *w,\n"
                          "                     const bf16 *residual,\n"
                          "                     bf16 *out,\n"
                          "                     int rows) {");
  EXPECT_CONTAINS(source, "using Epilogue = ResidualAddEpilogue<288>;");
  EXPECT_CONTAINS(source, "params.residual = residual;");
  EXPECT_CONTAINS(source, "decode_logits(const bf16 *x, const bf16 *w, "
                          "float *out, int rows) {");
  EXPECT_CONTAINS(source, "using Epilogue = StoreF32Epilogue<32000>;");
}

TEST(CudaEmitter, BakesEpsScaleAndStrides) {
  std::string decode = emitted(tinyDecode()).source;
  EXPECT_CONTAINS(decode,
                  "Kernel::run(x, weight, out, 9.99999975e-06f, rows);");
  EXPECT_CONTAINS(decode, "params.scale = 0.144337565f;");
  EXPECT_CONTAINS(decode, "params.qRowStride = 288;");
  EXPECT_CONTAINS(decode, "params.maxPartitions = 1;");
  EXPECT_CONTAINS(decode, "params.finished = finished;");
  std::string prefill = emitted(tinyPrefill()).source;
  EXPECT_CONTAINS(prefill, "Kernel::run(x, row_index, weight, out, "
                           "9.99999975e-06f, 8);");
}

TEST(CudaEmitter, SamplingBuildsTheSlotStateAndAsksForOneBlockPerSm) {
  std::string source = emitted(tinySample()).source;
  EXPECT_CONTAINS(source, "extern \"C\" __global__ void "
                          "__launch_bounds__(256, 1)\nsample_tokens(");
  EXPECT_CONTAINS(source, "  using Kernel = SamplingKernel<32000, 256>;");
  EXPECT_CONTAINS(source, "  state.maxNewTokens = slot_max_new_tokens;\n");
  EXPECT_CONTAINS(source, "  state.topLogprobs = slot_top_logprobs;\n"
                          "  state.numSlots = 8;\n"
                          "  Kernel::run(logits, state, slot_mask, sampled);");
  EXPECT_CONTAINS(source, "  Kernel::run(state, slot_mask, sampled, "
                          "token_ring, ring_rows, step_counter);");
  EXPECT_CONTAINS(source, "TokenRingEntry *token_ring");
  // The log-probabilities between the draw and the update.
  EXPECT_CONTAINS(source, "  using Kernel = LogprobsKernel<32000, 256>;");
  EXPECT_CONTAINS(source, "LogprobRingEntry *logprob_ring");
  EXPECT_CONTAINS(source, "  Kernel::run(logits, state, slot_mask, sampled, "
                          "logprob_ring, ring_rows, step_counter);");
  EXPECT_LT(source.find("sample_tokens("), source.find("sample_logprobs("));
  EXPECT_LT(source.find("sample_logprobs("),
            source.find("sample_slot_update("));
}

TEST(CudaEmitter, RefusesAnArgumentOfTheWrongKind) {
  std::string message =
      refusal(edited(tinyDecode(), "decode_qkv_rope_cache", [](LaunchSpec &l) {
        l.args[2] = test::namedArg(ArgKind::Input, "tokens");
      }));
  EXPECT_CONTAINS(message, "decode: kernel 'decode_qkv_rope_cache' (Gemv): "
                           "arg 2 (positions) is input<\"tokens\">, expected "
                           "input<\"positions\">");
  message = refusal(edited(tinyDecode(), "decode_qkv_rope_cache",
                           [](LaunchSpec &l) { l.args[4] = test::nullArg(); }));
  EXPECT_CONTAINS(message, "arg 4 (block_tables) is null, expected "
                           "input<\"block_tables\">");
}

TEST(CudaEmitter, RefusesAWrongNumberOfArguments) {
  PhaseSpec decode = tinyDecode();
  decode.launches[0].args.pop_back();
  EXPECT_CONTAINS(refusal(decode),
                  "kernel 'decode_embed' (Embed): 3 args, but the wrapper "
                  "takes 4: input<\"tokens\">, weight, arena, "
                  "scalar<\"rows\">");
}

TEST(CudaEmitter, RefusesMissingOrUnknownParametersAndConstants) {
  PhaseSpec decode = tinyDecode();
  decode.launches[0].params.erase("Threads");
  EXPECT_CONTAINS(refusal(decode), "missing template parameter 'Threads'");
  decode = tinyDecode();
  decode.launches[0].params["Rows"] = 4;
  EXPECT_CONTAINS(refusal(decode), "unexpected template parameter 'Rows' "
                                   "(expected Vocab, Dim, Threads)");
  EXPECT_CONTAINS(
      refusal(edited(tinyDecode(), "decode_rms_norm",
                     [](LaunchSpec &l) { l.constants.erase("eps"); })),
      "kernel 'decode_rms_norm' (RmsNorm): missing constant 'eps'");
  EXPECT_CONTAINS(
      refusal(edited(tinyDecode(), "decode_qkv_rope_cache",
                     [](LaunchSpec &l) { l.epilogueParams.erase("Layout"); })),
      "missing epilogue parameter 'Layout'");
}

TEST(CudaEmitter, RefusesUnknownTemplateAndEpilogue) {
  PhaseSpec decode = tinyDecode();
  decode.launches[0].templateName = "Gather";
  EXPECT_CONTAINS(refusal(decode), "kernel 'decode_embed' (Gather): unknown "
                                   "template (the kernel library has Embed,");
  EXPECT_CONTAINS(refusal(edited(tinyDecode(), "decode_qkv_rope_cache",
                                 [](LaunchSpec &l) { l.epilogue = "Gelu"; })),
                  "unknown epilogue 'Gelu'");
}

TEST(CudaEmitter, RefusesOneNameForTwoInstantiations) {
  PhaseSpec decode = tinyDecode();
  // The second layer's QKV launch with other tile columns.
  for (size_t i = 3; i < decode.launches.size(); ++i)
    if (decode.launches[i].kernel == "decode_qkv_rope_cache") {
      decode.launches[i].params["TileN"] = 96;
      EXPECT_CONTAINS(refusal(decode),
                      "decode launch " + std::to_string(i) +
                          ": kernel 'decode_qkv_rope_cache' is launched with "
                          "another instantiation than its first launch "
                          "(params differ)");
      return;
    }
  FAIL() << "no second QKV launch";
}

TEST(CudaEmitter, FloatLiteralsReadBackAsTheSameFloat) {
  for (double value : {1e-5, 1e-6, 0.14433756729740643, 1.0, 0.5, 3e38}) {
    std::string literal = floatLiteral(value);
    ASSERT_EQ(literal.back(), 'f');
    EXPECT_EQ(std::stof(literal.substr(0, literal.size() - 1)),
              static_cast<float>(value))
        << literal;
  }
  EXPECT_EQ(floatLiteral(1.0), "1.0f");
}

TEST(ManifestEntries, PhaseEntryKeepsLaunchOrderBindingsAndCosts) {
  PhaseSpec decode = tinyDecode();
  Phase phase = phaseEntry(decode);
  EXPECT_EQ(phase.module, "decode");
  ASSERT_EQ(phase.launches.size(), decode.launches.size());
  EXPECT_EQ(phase.launches[2].kernel, "decode_qkv_rope_cache");
  EXPECT_EQ(phase.launches[2].args[3].kind, ArgKind::Null);
  EXPECT_EQ(phase.launches[2].args[7].layer, 0);
  EXPECT_EQ(phase.launches[2].grid[0], "18");
  EXPECT_DOUBLE_EQ(phase.launches[2].cost.bytes.fixed, 1000);
  EXPECT_EQ(phase.outputs.at("logits").bytes, 8u * 32000 * 4);
  KernelModule module = moduleEntry("decode", emitted(decode));
  EXPECT_EQ(module.source, "kernels/decode.cu");
  EXPECT_EQ(module.kernels[0].instantiation, "Embed<32000, 288, 256>");
}

TEST(ManifestEntries, RopeTableIsTheReferencesIncludingLlama3Scaling) {
  ModelConfig config;
  config.headDim = 128;
  config.ropeTheta = 500000;
  config.ropeScaling.kind = RopeScaling::Kind::Llama3;
  config.ropeScaling.factor = 8;
  StatusOr<std::map<std::string, std::vector<float>>> constants =
      engineConstants({tinyDecode()}, config);
  ASSERT_TRUE(constants.isOk()) << constants.status().message();
  ASSERT_EQ(constants->size(), 1u);
  const std::vector<float> &table = constants->at("rope_inv_freq");
  EXPECT_EQ(table,
            ref::ropeInverseFrequencies(128, 500000, config.ropeScaling));
  ASSERT_EQ(table.size(), 64u);
  // Scaling divides the lowest frequencies by the factor.
  RopeScaling none;
  EXPECT_FLOAT_EQ(table.back(),
                  ref::ropeInverseFrequencies(128, 500000, none).back() / 8);
}

TEST(ManifestEntries, RefusesAConstantItCannotCompute) {
  PhaseSpec decode = tinyDecode();
  decode.launches[2].args[5].name = "alibi_slopes";
  StatusOr<std::map<std::string, std::vector<float>>> constants =
      engineConstants({decode}, ModelConfig{});
  ASSERT_FALSE(constants.isOk());
  EXPECT_CONTAINS(constants.status().message(),
                  "decode kernel 'decode_qkv_rope_cache' binds the constant "
                  "'alibi_slopes', which the compiler cannot compute");
}

} // namespace
} // namespace llmc::codegen
