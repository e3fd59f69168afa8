// The engine manifest survives a JSON round trip, and every kind of damage a
// reader relies on being absent is refused with the file and the field named.
#include "runtime/engine/Manifest.h"
#include "test/Unit/Support/KernelArgs.h"
#include "test/Unit/Support/TinyModelConfig.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <limits>

using namespace llmc;
using llmc::testing::arenaArg;
using llmc::testing::layerArg;
using llmc::testing::namedArg;
using llmc::testing::tinyModelConfig;
using nlohmann::json;

namespace {

const std::string kHash(64, 'a');

/// A small but complete manifest: one module, one decode phase whose launches
/// use every binding kind.
Manifest tinyManifest() {
  Manifest m;
  m.compiler = "llm-compile test";
  m.config = tinyModelConfig(/*numLayers=*/2);
  m.options.archs = {"sm_80", "sm_90a"};
  m.options.maxSlots = 4;
  m.options.maxSeqLen = 64;
  m.options.kvBlockSize = 16;
  m.options.maxPrefillTokens = 32;
  m.kvCache = {2, 1, 8, 16, 4};

  PackedTensor embed;
  embed.name = "model.embed_tokens.weight";
  embed.shape = {32, 16};
  embed.bytes = 32 * 16 * 2;
  WeightSource source;
  source.name = embed.name;
  source.rows = 32;
  embed.sources = {source};
  m.weights.tensors = {embed};
  m.weights.totalBytes = embed.bytes;
  m.weightsFile = "weights.bin";
  m.tokenizer = {"tokenizer.bin", "llama2c"};
  m.constants["rope_inv_freq"] = {1.0f, 0.1f, 0.01f, 1.0e-3f};

  KernelModule module;
  module.name = "decode";
  module.source = "kernels/decode.cu";
  module.ptx = "kernels/decode.sm_80.ptx";
  module.ptxArch = "sm_80";
  module.cubins = {{"sm_80", "kernels/decode.sm_80.cubin"},
                   {"sm_90a", "kernels/decode.sm_90a.cubin"}};
  KernelInfo embedKernel;
  embedKernel.name = "decode_embed";
  embedKernel.instantiation = "Embed<32, 16, 256>";
  embedKernel.resources["sm_90a"] = {16, 0, 0, 0, 0};
  KernelInfo qkv;
  qkv.name = "decode_qkv_rope_cache";
  qkv.instantiation = "Gemv<32, 16, 4, 4, 2, 32, RopeKvWriteEpilogue<...>>";
  qkv.resources["sm_80"] = {40, 8, 4, 16, 512};
  module.kernels = {embedKernel, qkv};
  m.modules = {module};

  Phase decode;
  decode.name = "decode";
  decode.module = "decode";
  decode.maxRows = 4;
  decode.arenaBytes = 1024;
  KernelLaunch embedLaunch;
  embedLaunch.kernel = "decode_embed";
  embedLaunch.fused = {"llm.embed"};
  embedLaunch.grid = {"rows", "1", "1"};
  embedLaunch.blockThreads = 256;
  embedLaunch.args = {namedArg(ArgKind::Input, "tokens"),
                      namedArg(ArgKind::Weight, "model.embed_tokens.weight"),
                      arenaArg(0, 128), namedArg(ArgKind::Scalar, "rows")};
  embedLaunch.cost.bytes = {0, 64, 0};
  KernelLaunch qkvLaunch;
  qkvLaunch.kernel = "decode_qkv_rope_cache";
  qkvLaunch.fused = {"llm.qkv_rope_cache"};
  qkvLaunch.grid = {"1", "ceildiv(4 * rows, 64)", "1"};
  qkvLaunch.blockThreads = 128;
  qkvLaunch.dynamicSharedBytes = 4096;
  qkvLaunch.args = {arenaArg(0, 128),
                    namedArg(ArgKind::Weight, "model.embed_tokens.weight"),
                    namedArg(ArgKind::Input, "positions"),
                    namedArg(ArgKind::Constant, "rope_inv_freq"),
                    arenaArg(256, 128),
                    layerArg(ArgKind::KvKeys, 1),
                    layerArg(ArgKind::KvValues, 1),
                    namedArg(ArgKind::Slot, "finished"),
                    namedArg(ArgKind::Scalar, "rows")};
  qkvLaunch.cost.flops = {0, 1024, 0};
  qkvLaunch.cost.bytes = {1024, 96, 32};
  decode.launches = {embedLaunch, qkvLaunch};
  decode.outputs["logits"] = arenaArg(512, 512);
  m.phases = {decode};

  for (const char *path :
       {"kernels/decode.cu", "kernels/decode.sm_80.ptx",
        "kernels/decode.sm_80.cubin", "kernels/decode.sm_90a.cubin",
        "weights.bin", "tokenizer.bin"})
    m.fileHashes[path] = kHash;
  return m;
}

/// tinyManifest with a few-rows variant for its second launch (the QKV
/// projection); the first launch has none.
Manifest withVariant() {
  Manifest m = tinyManifest();
  KernelInfo few;
  few.name = "decode_qkv_rope_cache_few_rows";
  few.instantiation = "Gemv<32, 16, 1, 4, 2, 32, RopeKvWriteEpilogue<...>>";
  few.resources["sm_80"] = {32, 0, 0, 0, 256};
  m.modules[0].kernels.push_back(few);
  LaunchVariant variant;
  variant.kernel = few.name;
  variant.grid = {"4", "ceildiv(rows, 16)", "1"};
  variant.blockThreads = 64;
  variant.dynamicSharedBytes = 73728;
  variant.guard.maxRows = 2;
  m.phases[0].launches[1].variants.push_back(variant);
  return m;
}

std::string refusal(const json &j) {
  StatusOr<Manifest> parsed = manifestFromJson(j, "e.llmc/manifest.json");
  EXPECT_FALSE(parsed.isOk()) << j.dump(2);
  if (parsed.isOk())
    return "";
  const std::string &message = parsed.status().message();
  EXPECT_NE(message.find("e.llmc/manifest.json"), std::string::npos) << message;
  return message;
}

std::string refusal(const Manifest &m) { return refusal(toJson(m)); }

#define EXPECT_CONTAINS(text, part)                                            \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

TEST(Manifest, RoundTripKeepsEveryField) {
  Manifest m = tinyManifest();
  ASSERT_TRUE(validateManifest(m, "manifest.json").isOk())
      << validateManifest(m, "manifest.json").message();
  StatusOr<Manifest> parsed = manifestFromJson(toJson(m), "manifest.json");
  ASSERT_TRUE(parsed.isOk()) << parsed.status().message();
  EXPECT_EQ(toJson(*parsed), toJson(m));

  const Phase *decode = parsed->findPhase("decode");
  ASSERT_NE(decode, nullptr);
  ASSERT_EQ(decode->launches.size(), 2u);
  const KernelLaunch &qkv = decode->launches[1];
  EXPECT_EQ(qkv.grid[1], "ceildiv(4 * rows, 64)");
  EXPECT_EQ(qkv.dynamicSharedBytes, 4096);
  EXPECT_EQ(qkv.args[5].kind, ArgKind::KvKeys);
  EXPECT_EQ(qkv.args[5].layer, 1);
  EXPECT_EQ(qkv.args[4].offset, 256u);
  EXPECT_DOUBLE_EQ(qkv.cost.bytes.perRowContext, 32);
  EXPECT_EQ(decode->outputs.at("logits").bytes, 512u);
  const KernelModule *module = parsed->findModule("decode");
  ASSERT_NE(module, nullptr);
  EXPECT_EQ(module->kernels[1].resources.at("sm_80").spillStoreBytes, 8);
  EXPECT_EQ(module->kernels[1].resources.at("sm_80").staticSharedBytes, 512);
  // Floats come back bit for bit.
  EXPECT_EQ(parsed->constants.at("rope_inv_freq")[3], 1.0e-3f);
  EXPECT_EQ(parsed->findPhase("prefill"), nullptr);
}

TEST(Manifest, NullBindingRoundTrips) {
  Manifest m = tinyManifest();
  KernelArg null;
  null.kind = ArgKind::Null;
  m.phases[0].launches[1].args.push_back(null);
  StatusOr<Manifest> parsed = manifestFromJson(toJson(m), "manifest.json");
  ASSERT_TRUE(parsed.isOk()) << parsed.status().message();
  EXPECT_EQ(parsed->phases[0].launches[1].args.back().kind, ArgKind::Null);
  EXPECT_EQ(toJson(m)["phases"][0]["launches"][1]["args"].back(),
            json({{"kind", "null"}}));
}

TEST(Manifest, ProgrammaticLaunchRoundTripsAndIsOffWhenAbsent) {
  Manifest m = tinyManifest();
  m.phases[0].programmaticLaunch = true;
  StatusOr<Manifest> parsed = manifestFromJson(toJson(m), "manifest.json");
  ASSERT_TRUE(parsed.isOk()) << parsed.status().message();
  EXPECT_TRUE(parsed->phases[0].programmaticLaunch);
  // Engines compiled before the field existed launch kernels one after the
  // other.
  json older = toJson(m);
  older["phases"][0].erase("programmatic_launch");
  parsed = manifestFromJson(older, "manifest.json");
  ASSERT_TRUE(parsed.isOk()) << parsed.status().message();
  EXPECT_FALSE(parsed->phases[0].programmaticLaunch);
}

TEST(Manifest, SyntheticEngineHasNoWeightsFile) {
  Manifest m = tinyManifest();
  m.options.syntheticWeights = true;
  EXPECT_CONTAINS(refusal(m), "synthetic weights has no weights_file");
  m.weightsFile.clear();
  EXPECT_TRUE(manifestFromJson(toJson(m), "manifest.json").isOk());
  m.options.syntheticWeights = false;
  EXPECT_CONTAINS(refusal(m), "weights_file is missing");
}

TEST(Manifest, RefusesAnotherFormatVersion) {
  json j = toJson(tinyManifest());
  j["format_version"] = 3;
  j.erase("phases"); // a newer layout is not read at all
  EXPECT_CONTAINS(refusal(j), "format_version 3 is not the version this "
                              "runtime reads (2)");
}

TEST(Manifest, NamesTheMissingFieldsPath) {
  json j = toJson(tinyManifest());
  j["phases"][0]["launches"][1].erase("grid");
  EXPECT_CONTAINS(refusal(j), "malformed manifest at phases[0].launches[1]."
                              "grid");
  json k = toJson(tinyManifest());
  k["modules"][0]["kernels"][1]["resources"]["sm_80"]["registers"] = "many";
  EXPECT_CONTAINS(refusal(k), "modules[0].kernels[1].resources.sm_80."
                              "registers");
}

TEST(Manifest, RefusesUnknownArgumentKind) {
  json j = toJson(tinyManifest());
  j["phases"][0]["launches"][0]["args"][2]["kind"] = "texture";
  std::string message = refusal(j);
  EXPECT_CONTAINS(message, "phases[0].launches[0].args[2]");
  EXPECT_CONTAINS(message, "unknown argument kind 'texture'");
}

TEST(Manifest, RefusesUnknownBindingNames) {
  Manifest m = tinyManifest();
  m.phases[0].launches[1].args[2].name = "position";
  std::string message = refusal(m);
  EXPECT_CONTAINS(message, "phase 'decode' launch 1 (decode_qkv_rope_cache) "
                           "arg 2 (input): unknown input 'position'");
  m = tinyManifest();
  m.phases[0].launches[1].args[7].name = "done";
  EXPECT_CONTAINS(refusal(m), "unknown slot 'done'");
  m = tinyManifest();
  m.phases[0].launches[0].args[3].name = "tokens";
  EXPECT_CONTAINS(refusal(m), "unknown scalar 'tokens'");
}

TEST(Manifest, RefusesArenaBindingOutsideTheArena) {
  Manifest m = tinyManifest();
  m.phases[0].launches[1].args[4] = arenaArg(768, 512);
  EXPECT_CONTAINS(refusal(m), "arg 4 (arena): arena binding [768, 1280) is "
                              "outside the arena of 1024 bytes");
  m = tinyManifest();
  m.phases[0].outputs["logits"] = arenaArg(1024, 4);
  EXPECT_CONTAINS(refusal(m), "output 'logits': arena binding [1024, 1028)");
}

TEST(Manifest, RefusesUnalignedArenaOffset) {
  Manifest m = tinyManifest();
  m.phases[0].launches[0].args[2] = arenaArg(100, 16);
  EXPECT_CONTAINS(refusal(m), "arena offset 100 is not a multiple of 256");
}

TEST(Manifest, RefusesLaunchOfMissingModuleOrKernel) {
  Manifest m = tinyManifest();
  m.phases[0].module = "prefill";
  EXPECT_CONTAINS(refusal(m), "phase 'decode' names module 'prefill', which "
                              "the manifest lacks");
  m = tinyManifest();
  m.phases[0].launches[0].kernel = "decode_gather";
  EXPECT_CONTAINS(refusal(m),
                  "kernel 'decode_gather' is not in module 'decode'");
}

TEST(Manifest, RefusesWeightMissingFromTheLayout) {
  Manifest m = tinyManifest();
  m.phases[0].launches[1].args[1].name = "lm_head.weight";
  EXPECT_CONTAINS(refusal(m), "arg 1 (weight): weight 'lm_head.weight' is not "
                              "in the weight layout");
}

TEST(Manifest, RefusesGridThatDoesNotParse) {
  Manifest m = tinyManifest();
  m.phases[0].launches[1].grid[1] = "ceildiv(rows, 0)";
  std::string message = refusal(m);
  EXPECT_CONTAINS(message, "launch 1 (decode_qkv_rope_cache): grid y");
  EXPECT_CONTAINS(message, "launch dimension 'ceildiv(rows, 0)': integer must "
                           "be positive");
}

TEST(Manifest, RefusesBadBlockAndLayer) {
  Manifest m = tinyManifest();
  m.phases[0].launches[0].blockThreads = 2048;
  EXPECT_CONTAINS(refusal(m), "block of 2048 threads (must be 1..1024)");
  m = tinyManifest();
  m.phases[0].launches[1].args[6].layer = 2;
  EXPECT_CONTAINS(refusal(m), "arg 6 (kv_values): layer 2 is outside the KV "
                              "cache's 2 layers");
}

TEST(Manifest, RefusesMissingConstant) {
  Manifest m = tinyManifest();
  m.constants.clear();
  EXPECT_CONTAINS(refusal(m), "constant 'rope_inv_freq' is not among the "
                              "manifest's constants");
}

TEST(Manifest, RefusesFilesOutsideTheEngineOrUnhashed) {
  Manifest m = tinyManifest();
  m.modules[0].cubins["sm_90a"] = "../elsewhere.cubin";
  m.fileHashes["../elsewhere.cubin"] = kHash;
  EXPECT_CONTAINS(refusal(m), "leaves the engine");
  m = tinyManifest();
  m.fileHashes.erase("weights.bin");
  EXPECT_CONTAINS(refusal(m), "weights_file 'weights.bin' has no entry in "
                              "file_hashes");
  m = tinyManifest();
  m.fileHashes["weights.bin"] = "xyz";
  EXPECT_CONTAINS(refusal(m), "is not a lower-case hex sha256");
}

TEST(Manifest, RefusesCubinForAnArchNotCompiled) {
  Manifest m = tinyManifest();
  m.options.archs = {"sm_90a"};
  EXPECT_CONTAINS(refusal(m), "has a cubin for sm_80, which is not among the "
                              "compiled archs (sm_90a)");
}

TEST(Manifest, RefusesKvCacheThatDisagreesWithTheModel) {
  Manifest m = tinyManifest();
  m.kvCache.numKvHeads = 2;
  EXPECT_CONTAINS(refusal(m), "does not match the model config");
  m = tinyManifest();
  m.kvCache.maxBlocksPerSeq = 3;
  EXPECT_CONTAINS(refusal(m), "cannot hold max_seq_len 64");
  m = tinyManifest();
  m.options.maxSeqLen = 128;
  EXPECT_CONTAINS(refusal(m), "options.max_seq_len 128 is outside 1..64");
}

TEST(Manifest, RefusesNegativeCost) {
  Manifest m = tinyManifest();
  m.phases[0].launches[0].cost.flops.perRow = -1;
  EXPECT_CONTAINS(refusal(m), "cost.flops has the term -1");
}

TEST(Manifest, RefusesDamagedModelConfigAndWeights) {
  json j = toJson(tinyManifest());
  j["config"]["num_kv_heads"] = 3;
  EXPECT_CONTAINS(refusal(j), "invalid model configuration");
  json k = toJson(tinyManifest());
  k["weights"]["tensors"][0]["bytes"] = 10;
  EXPECT_CONTAINS(refusal(k), "packed weight 'model.embed_tokens.weight' has "
                              "10 bytes");
}

TEST(Manifest, VariantsRoundTrip) {
  Manifest m = withVariant();
  m.phases[0].launches[1].variants.front().guard.archs = {"sm_90a"};
  ASSERT_TRUE(validateManifest(m, "manifest.json").isOk())
      << validateManifest(m, "manifest.json").message();
  json j = toJson(m);
  EXPECT_EQ(j["phases"][0]["launches"][0]["variants"], json::array());
  const json expected = {{"kernel", "decode_qkv_rope_cache_few_rows"},
                         {"archs", {"sm_90a"}},
                         {"min_rows", 0},
                         {"max_rows", 2},
                         {"grid", {"4", "ceildiv(rows, 16)", "1"}},
                         {"block_threads", 64},
                         {"dynamic_shared_bytes", 73728}};
  EXPECT_EQ(j["phases"][0]["launches"][1]["variants"][0], expected);

  StatusOr<Manifest> parsed = manifestFromJson(j, "manifest.json");
  ASSERT_TRUE(parsed.isOk()) << parsed.status().message();
  EXPECT_EQ(toJson(*parsed), j);
  const std::vector<KernelLaunch> &launches = parsed->phases[0].launches;
  EXPECT_TRUE(launches[0].variants.empty());
  ASSERT_EQ(launches[1].variants.size(), 1u);
  const LaunchVariant &few = launches[1].variants[0];
  EXPECT_EQ(few.guard.maxRows, 2);
  EXPECT_EQ(few.kernel, "decode_qkv_rope_cache_few_rows");
  // The launch's own kernel is untouched by its variant.
  EXPECT_EQ(launches[1].kernel, "decode_qkv_rope_cache");
  EXPECT_EQ(launches[1].blockThreads, 128);
}

TEST(Manifest, RefusesFormatVersionOneAskingForARecompile) {
  json j = toJson(tinyManifest());
  j["format_version"] = 1;
  EXPECT_CONTAINS(refusal(j), "format_version 1 is not the version this "
                              "runtime reads (2); recompile the engine");
}

TEST(Manifest, VariantNamesTheMissingFieldsPath) {
  json j = toJson(withVariant());
  j["phases"][0]["launches"][1]["variants"][0].erase("kernel");
  EXPECT_CONTAINS(refusal(j), "malformed manifest at phases[0].launches[1]."
                              "variants[0].kernel");
  json k = toJson(withVariant());
  k["phases"][0]["launches"][1]["variants"][0]["grid"] =
      json::array({"4", "rows"});
  EXPECT_CONTAINS(refusal(k), "malformed manifest at phases[0].launches[1]."
                              "variants[0].grid");
  json l = toJson(withVariant());
  l["phases"][0]["launches"][1].erase("variants");
  EXPECT_CONTAINS(refusal(l), "malformed manifest at phases[0].launches[1]."
                              "variants");
}

TEST(Manifest, RefusesVariantKernelOutsideTheModule) {
  Manifest m = withVariant();
  m.phases[0].launches[1].variants[0].kernel = "decode_qkv_small";
  EXPECT_CONTAINS(refusal(m), "phase 'decode' launch 1 (decode_qkv_rope_cache)"
                              " variant 0 (decode_qkv_small): kernel "
                              "'decode_qkv_small' is not in module 'decode'");
}

TEST(Manifest, RefusesVariantGuardsOfOtherArchsOrEmptyRowRanges) {
  Manifest m = withVariant();
  m.phases[0].launches[1].variants[0].guard.archs = {"sm_100a"};
  EXPECT_CONTAINS(refusal(m), "variant 0 (decode_qkv_rope_cache_few_rows): "
                              "guard names arch 'sm_100a', which is not among "
                              "the compiled archs");
  m = withVariant();
  m.phases[0].launches[1].variants[0].guard.minRows = 3;
  EXPECT_CONTAINS(refusal(m), "guard rows 3..2 (min_rows >= 0, and max_rows 0 "
                              "or >= min_rows)");
  m.phases[0].launches[1].variants[0].guard.minRows = -1;
  EXPECT_CONTAINS(refusal(m), "guard rows -1..2");
}

TEST(Manifest, RefusesVariantGridBlockOrSharedMemoryTheLaunchWouldRefuse) {
  Manifest m = withVariant();
  m.phases[0].launches[1].variants[0].grid[1] = "ceildiv(rows, 0)";
  std::string message = refusal(m);
  EXPECT_CONTAINS(message, "launch 1 (decode_qkv_rope_cache) variant 0 "
                           "(decode_qkv_rope_cache_few_rows): grid y");
  EXPECT_CONTAINS(message, "launch dimension 'ceildiv(rows, 0)': integer must "
                           "be positive");
  m = withVariant();
  m.phases[0].launches[1].variants[0].blockThreads = 0;
  EXPECT_CONTAINS(refusal(m), "variant 0 (decode_qkv_rope_cache_few_rows): "
                              "block of 0 threads (must be 1..1024)");
  m = withVariant();
  m.phases[0].launches[1].variants[0].dynamicSharedBytes = -1;
  EXPECT_CONTAINS(refusal(m), "variant 0 (decode_qkv_rope_cache_few_rows): "
                              "negative dynamic shared memory");
}

TEST(SelectVariant, RunsTheFirstVariantWhoseGuardHoldsElseTheLaunchsKernel) {
  Manifest m = withVariant();
  KernelLaunch &qkv = m.phases[0].launches[1];
  LaunchVariant hopper = qkv.variants[0];
  hopper.kernel = "decode_qkv_rope_cache_sm90";
  hopper.guard = {{"sm_90a"}, 0, 0};
  qkv.variants.insert(qkv.variants.begin(), hopper);
  const KernelLaunch &embed = m.phases[0].launches[0];
  for (int64_t rows : {0, 1, 2, 3, 4})
    EXPECT_EQ(*selectVariant(embed, "sm_80", rows).kernel, embed.kernel);
  EXPECT_EQ(*selectVariant(qkv, "sm_90a", 64).kernel,
            "decode_qkv_rope_cache_sm90");
  EXPECT_EQ(*selectVariant(qkv, "sm_80", 1).kernel,
            "decode_qkv_rope_cache_few_rows");
  EXPECT_EQ(*selectVariant(qkv, "sm_80", 2).kernel,
            "decode_qkv_rope_cache_few_rows")
      << "max_rows is included";
  EXPECT_EQ(*selectVariant(qkv, "sm_80", 3).kernel, "decode_qkv_rope_cache");
  EXPECT_EQ(selectVariant(qkv, "sm_80", 3).blockThreads, 128);
  EXPECT_EQ(selectVariant(qkv, "sm_80", 2).blockThreads, 64);
}

} // namespace

// Ranges and consistency (checkManifestRanges): values a hand-edited or
// hostile manifest could carry that the structural checks accept.
namespace {

TEST(ManifestRanges, RefusesFileHashKeysOutsideTheEngine) {
  for (const char *key : {"../outside", "/dev/zero", "kernels/../../x", "a//b",
                          "./weights.bin"}) {
    Manifest m = tinyManifest();
    m.fileHashes[key] = kHash;
    EXPECT_CONTAINS(refusal(m), "file_hashes key");
  }
}

TEST(ManifestRanges, RefusesAbsurdArenaSizes) {
  Manifest m = tinyManifest();
  m.phases[0].arenaBytes = uint64_t(1) << 62;
  EXPECT_CONTAINS(refusal(m), "arena_bytes 4611686018427387904 exceeds the "
                              "limit");
  // A negative number read as uint64 wraps to a huge one.
  json j = toJson(tinyManifest());
  j["phases"][0]["arena_bytes"] = -1;
  EXPECT_CONTAINS(refusal(j), "arena_bytes");
}

TEST(ManifestRanges, RefusesAnArenaBindingWhoseEndWraps) {
  Manifest m = tinyManifest();
  m.phases[0].launches[0].args[2] = arenaArg(256, ~uint64_t(0) - 128);
  EXPECT_CONTAINS(refusal(m), "is outside the arena");
}

TEST(ManifestRanges, RefusesRopeTableOfTheWrongLengthOrValues) {
  Manifest m = tinyManifest();
  m.constants["rope_inv_freq"] = {1.0f, 0.1f, 0.01f};
  EXPECT_CONTAINS(refusal(m), "'rope_inv_freq' has 3 values; head_dim 8 needs "
                              "4");
  m = tinyManifest();
  m.constants["rope_inv_freq"][1] = 7.0f;
  EXPECT_CONTAINS(refusal(m), "inverse frequencies lie in (0, 1]");
}

TEST(ManifestRanges, RefusesInconsistentSizes) {
  Manifest m = tinyManifest();
  m.kvCache.maxBlocksPerSeq = 400;
  EXPECT_CONTAINS(refusal(m), "kv_cache.max_blocks_per_seq 400 is not the 4 "
                              "blocks");
  m = tinyManifest();
  m.phases[0].maxRows = 1000;
  EXPECT_CONTAINS(refusal(m), "max_rows 1000 is outside 1..32");
  m = tinyManifest();
  m.options.maxSlots = 1 << 20;
  m.phases[0].maxRows = 4;
  EXPECT_CONTAINS(refusal(m), "options.max_slots 1048576 is outside 1..4096");
  m = tinyManifest();
  m.weights.totalBytes = uint64_t(1) << 50;
  EXPECT_CONTAINS(refusal(m), "weights.total_bytes");
}

TEST(ManifestRanges, RefusesGridsAndSharedMemoryPastTheHardware) {
  Manifest m = tinyManifest();
  m.phases[0].launches[0].grid = {"rows", "70000", "1"};
  EXPECT_CONTAINS(refusal(m), "grid y 70000 is outside 1..65535");
  m = tinyManifest();
  m.phases[0].launches[1].dynamicSharedBytes = 1 << 30;
  EXPECT_CONTAINS(refusal(m), "dynamic_shared_bytes 1073741824 is outside");
}

TEST(ManifestRanges, RefusesNonFiniteConstants) {
  Manifest m = tinyManifest();
  m.constants["other"] = {std::numeric_limits<float>::infinity()};
  // JSON has no infinity: nlohmann writes null, which the reader refuses.
  StatusOr<Manifest> parsed = manifestFromJson(toJson(m), "e");
  EXPECT_FALSE(parsed.isOk());
  EXPECT_CONTAINS(validateManifest(m, "e").message(), "non-finite");
}

} // namespace

// The engine directory on disk (EngineDirectory.h): every listed path a
// regular file inside the engine, the weights file of the declared size, and
// the manifest's own digest.
#include "runtime/engine/EngineDirectory.h"

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

class EngineDirectoryTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("llmc-engine-dir-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "kernels");
    for (const auto &entry : manifest_.fileHashes)
      std::ofstream(dir_ / entry.first) << "x";
    std::ofstream(dir_ / "weights.bin")
        << std::string(manifest_.weights.totalBytes, '\0');
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string refusal() {
    Status status = checkEngineFiles(dir_.string(), manifest_);
    EXPECT_FALSE(status.isOk());
    return status.message();
  }
  Manifest manifest_ = tinyManifest();
  fs::path dir_;
};

TEST_F(EngineDirectoryTest, AcceptsRegularFilesOfTheDeclaredSize) {
  Status status = checkEngineFiles(dir_.string(), manifest_);
  EXPECT_TRUE(status.isOk()) << status.message();
}

TEST_F(EngineDirectoryTest, RefusesAWeightsFileOfAnotherSize) {
  std::ofstream(dir_ / "weights.bin") << "short";
  EXPECT_CONTAINS(refusal(), "weights.bin is 5 bytes, but weights.total_bytes "
                             "says 1024");
}

TEST_F(EngineDirectoryTest, RefusesDevicesFifosAndSymlinks) {
  fs::remove(dir_ / "tokenizer.bin");
  fs::create_symlink("/dev/zero", dir_ / "tokenizer.bin");
  EXPECT_CONTAINS(refusal(), "is a symlink; engine files are regular files");
  fs::remove(dir_ / "tokenizer.bin");
  ASSERT_EQ(::mkfifo((dir_ / "tokenizer.bin").c_str(), 0600), 0);
  EXPECT_CONTAINS(refusal(), "tokenizer.bin (file_hashes['tokenizer.bin']) is "
                             "not a regular file");
  fs::remove(dir_ / "tokenizer.bin");
  std::ofstream(dir_ / "tokenizer.bin") << "x";
  fs::remove_all(dir_ / "kernels");
  fs::create_directory_symlink("/tmp", dir_ / "kernels");
  EXPECT_CONTAINS(refusal(), "is a symlink");
}

TEST_F(EngineDirectoryTest, RefusesPathsThatLeaveTheEngine) {
  manifest_.fileHashes["../../etc/passwd"] = kHash;
  EXPECT_CONTAINS(refusal(), "leaves the engine");
}

TEST(ManifestDigest, AcceptsOnlyTheManifestsOwnDigest) {
  const std::string digest(64, 'b');
  EXPECT_EQ(manifestDigestText(digest), digest + "  manifest.json\n");
  EXPECT_TRUE(
      checkManifestDigest(manifestDigestText(digest), digest, "e").isOk());
  EXPECT_CONTAINS(
      checkManifestDigest(manifestDigestText(std::string(64, 'c')), digest, "e")
          .message(),
      "e/manifest.json does not match its sha256 in manifest.sha256");
  EXPECT_CONTAINS(checkManifestDigest("garbage", digest, "e").message(),
                  "does not start with a lower-case hex sha256");
}

TEST(ManifestText, RefusesDeepNestingBeforeParsing) {
  std::string deep(100000, '[');
  EXPECT_CONTAINS(parseManifestText(deep, "m.json").status().message(),
                  "m.json: JSON nests deeper than 128 levels");
}

} // namespace
