// Tests of parseHfConfig: real Llama configs, defaults, and one test per kind
// of error (each message must name the file and the field).
#include "runtime/formats/HfConfig.h"
#include "test/Unit/Formats/TestFiles.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sys/stat.h>

namespace llmc {
namespace {

using test::TempDir;
using nlohmann::literals::operator""_json;

/// Writes `json` as <dir>/<model>/config.json and returns that path.
std::string writeConfig(const TempDir &dir, const std::string &json,
                        const std::string &model = "my-model") {
  std::string path = dir.file(model + "/config.json");
  test::writeText(path, json);
  return path;
}

/// A minimal valid Llama config; tests override or erase fields.
nlohmann::json llamaJson() {
  return {{"architectures", nlohmann::json::array({"LlamaForCausalLM"})},
          {"hidden_size", 64},
          {"num_hidden_layers", 2},
          {"num_attention_heads", 4},
          {"intermediate_size", 128},
          {"vocab_size", 100},
          {"max_position_embeddings", 256},
          {"rms_norm_eps", 1e-6}};
}

/// llamaJson() with `overrides` merged in, as text.
std::string llamaWith(const nlohmann::json &overrides) {
  nlohmann::json j = llamaJson();
  j.update(overrides);
  return j.dump();
}

/// Expects parseHfConfig to fail with a message containing every fragment.
void expectError(const std::string &path,
                 const std::vector<std::string> &fragments) {
  auto config = parseHfConfig(path);
  ASSERT_FALSE(config) << "expected an error for " << path;
  const std::string &message = config.status().message();
  EXPECT_NE(message.find(path), std::string::npos) << message;
  for (const std::string &fragment : fragments)
    EXPECT_NE(message.find(fragment), std::string::npos)
        << "missing '" << fragment << "' in: " << message;
}

TEST(HfConfig, ReadsLlama3WithGqaRopeScalingAndEosList) {
  TempDir dir;
  std::string path = writeConfig(dir, R"({
    "architectures": ["LlamaForCausalLM"], "model_type": "llama",
    "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
    "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 128256,
    "max_position_embeddings": 131072, "rms_norm_eps": 1e-05,
    "rope_theta": 500000.0, "hidden_act": "silu", "attention_bias": false,
    "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0,
                     "high_freq_factor": 4.0,
                     "original_max_position_embeddings": 8192,
                     "rope_type": "llama3"},
    "tie_word_embeddings": false, "bos_token_id": 128000,
    "eos_token_id": [128001, 128008, 128009], "torch_dtype": "bfloat16"})",
                                 "Llama-3.1-8B-Instruct");
  auto config = parseHfConfig(path);
  ASSERT_TRUE(config) << config.status().message();
  EXPECT_EQ(config->name, "Llama-3.1-8B-Instruct");
  EXPECT_EQ(config->architecture, "LlamaForCausalLM");
  EXPECT_EQ(config->dim, 4096);
  EXPECT_EQ(config->numLayers, 32);
  EXPECT_EQ(config->numHeads, 32);
  EXPECT_EQ(config->numKvHeads, 8);
  EXPECT_EQ(config->headDim, 128);
  EXPECT_EQ(config->kvDim(), 1024);
  EXPECT_EQ(config->ffnDim, 14336);
  EXPECT_EQ(config->vocabSize, 128256);
  EXPECT_EQ(config->maxSeqLen, 131072);
  EXPECT_DOUBLE_EQ(config->normEps, 1e-5);
  EXPECT_DOUBLE_EQ(config->ropeTheta, 500000.0);
  EXPECT_EQ(config->ropeStyle, RopeStyle::HalfSplit);
  EXPECT_EQ(config->ropeScaling.kind, RopeScaling::Kind::Llama3);
  EXPECT_DOUBLE_EQ(config->ropeScaling.factor, 8.0);
  EXPECT_DOUBLE_EQ(config->ropeScaling.lowFreqFactor, 1.0);
  EXPECT_DOUBLE_EQ(config->ropeScaling.highFreqFactor, 4.0);
  EXPECT_EQ(config->ropeScaling.originalMaxPositionEmbeddings, 8192);
  EXPECT_FALSE(config->tieWordEmbeddings);
  EXPECT_EQ(config->bosTokenId, 128000);
  EXPECT_EQ(config->eosTokenId, 128001);
  EXPECT_EQ(config->eosTokenIds,
            (std::vector<int64_t>{128001, 128008, 128009}));
}

TEST(HfConfig, AppliesLlamaDefaults) {
  TempDir dir;
  auto config = parseHfConfig(writeConfig(dir, llamaJson().dump()));
  ASSERT_TRUE(config) << config.status().message();
  EXPECT_EQ(config->numKvHeads, 4); // = heads
  EXPECT_EQ(config->headDim, 16);   // = hidden / heads
  EXPECT_DOUBLE_EQ(config->ropeTheta, 10000.0);
  EXPECT_EQ(config->ropeScaling.kind, RopeScaling::Kind::None);
  EXPECT_FALSE(config->tieWordEmbeddings);
  EXPECT_EQ(config->bosTokenId, 1);
  EXPECT_EQ(config->eosTokenId, 2);
  EXPECT_DOUBLE_EQ(config->normEps, 1e-6);
}

TEST(HfConfig, ReadsTiedEmbeddingsExplicitHeadDimAndNullScaling) {
  TempDir dir;
  auto config = parseHfConfig(writeConfig(
      dir, llamaWith(R"({"tie_word_embeddings": true, "head_dim": 32,
                         "rope_scaling": null, "eos_token_id": 7})"_json)));
  ASSERT_TRUE(config) << config.status().message();
  EXPECT_TRUE(config->tieWordEmbeddings);
  EXPECT_EQ(config->headDim, 32);
  EXPECT_EQ(config->qDim(), 128); // heads * head_dim, not hidden
  EXPECT_EQ(config->ropeScaling.kind, RopeScaling::Kind::None);
  EXPECT_EQ(config->eosTokenId, 7);
  EXPECT_EQ(config->eosTokenIds, std::vector<int64_t>{7});
}

TEST(HfConfig, ReadsMistralSlidingWindowWithoutCappingTheContext) {
  TempDir dir;
  auto config = parseHfConfig(writeConfig(dir, R"({
    "architectures": ["MistralForCausalLM"], "hidden_size": 64,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "intermediate_size": 128, "vocab_size": 100,
    "max_position_embeddings": 32768, "sliding_window": 4096,
    "rms_norm_eps": 1e-5})"));
  ASSERT_TRUE(config) << config.status().message();
  EXPECT_EQ(config->architecture, "MistralForCausalLM");
  EXPECT_EQ(config->maxSeqLen, 32768);
  EXPECT_EQ(config->slidingWindow, 4096);
  EXPECT_FALSE(config->qkvBias);
  EXPECT_FALSE(config->qkNorm);
}

TEST(HfConfig, IgnoresAMistralWindowThatCoversTheContext) {
  TempDir dir;
  auto config = parseHfConfig(
      writeConfig(dir, llamaWith(R"({"architectures": ["MistralForCausalLM"],
                         "sliding_window": 256})"_json)));
  ASSERT_TRUE(config) << config.status().message();
  EXPECT_EQ(config->slidingWindow, 0);
  EXPECT_EQ(config->maxSeqLen, 256);
}

TEST(HfConfig, ReadsQwen2WithQkvBiasAndUnusedSlidingWindow) {
  TempDir dir;
  auto config = parseHfConfig(
      writeConfig(dir, llamaWith(R"({"architectures": ["Qwen2ForCausalLM"],
                         "model_type": "qwen2", "rope_theta": 1000000.0,
                         "tie_word_embeddings": true, "sliding_window": 32,
                         "use_sliding_window": false,
                         "max_window_layers": 24})"_json)));
  ASSERT_TRUE(config) << config.status().message();
  EXPECT_EQ(config->architecture, "Qwen2ForCausalLM");
  EXPECT_TRUE(config->qkvBias);
  EXPECT_FALSE(config->qkNorm);
  EXPECT_TRUE(config->tieWordEmbeddings);
  EXPECT_EQ(config->slidingWindow, 0);
  EXPECT_DOUBLE_EQ(config->ropeTheta, 1e6);
}

TEST(HfConfig, HonorsQwenSlidingWindowOnEveryLayerOrNone) {
  TempDir dir;
  // From max_window_layers = 0 on: every layer is windowed.
  auto all = parseHfConfig(
      writeConfig(dir, llamaWith(R"({"architectures": ["Qwen2ForCausalLM"],
                         "use_sliding_window": true, "sliding_window": 32,
                         "max_window_layers": 0})"_json)));
  ASSERT_TRUE(all) << all.status().message();
  EXPECT_EQ(all->slidingWindow, 32);
  // From max_window_layers = 2 of 2 on: none is.
  auto none = parseHfConfig(
      writeConfig(dir, llamaWith(R"({"architectures": ["Qwen2ForCausalLM"],
                         "use_sliding_window": true, "sliding_window": 32,
                         "max_window_layers": 2})"_json)));
  ASSERT_TRUE(none) << none.status().message();
  EXPECT_EQ(none->slidingWindow, 0);
  // transformers 5's layer_types, all windowed.
  auto types = parseHfConfig(
      writeConfig(dir, llamaWith(R"({"architectures": ["Qwen3ForCausalLM"],
                         "sliding_window": 16, "layer_types":
                         ["sliding_attention", "sliding_attention"]})"_json)));
  ASSERT_TRUE(types) << types.status().message();
  EXPECT_EQ(types->slidingWindow, 16);
}

TEST(HfConfig, ReadsQwen3WithQkNormAndIndependentHeadDim) {
  TempDir dir;
  auto config = parseHfConfig(
      writeConfig(dir, llamaWith(R"({"architectures": ["Qwen3ForCausalLM"],
                         "head_dim": 32, "attention_bias": false,
                         "sliding_window": null,
                         "use_sliding_window": false})"_json)));
  ASSERT_TRUE(config) << config.status().message();
  EXPECT_TRUE(config->qkNorm);
  EXPECT_FALSE(config->qkvBias);
  EXPECT_EQ(config->headDim, 32);
  EXPECT_EQ(config->qDim(), 128); // 4 heads * 32, not hidden_size 64
}

TEST(HfConfig, ReadsArchitectureFromModelTypeOfEachFamily) {
  TempDir dir;
  for (auto [type, architecture] :
       {std::pair("qwen2", "Qwen2ForCausalLM"),
        std::pair("qwen3", "Qwen3ForCausalLM"),
        std::pair("mistral", "MistralForCausalLM")}) {
    nlohmann::json json = llamaJson();
    json.erase("architectures");
    json["model_type"] = type;
    auto config = parseHfConfig(writeConfig(dir, json.dump()));
    ASSERT_TRUE(config) << config.status().message();
    EXPECT_EQ(config->architecture, architecture);
  }
}

TEST(HfConfig, RefusesOtherFamiliesNamingArchitectureAndField) {
  TempDir dir;
  // Mixture of experts and Gemma are other architectures.
  expectError(writeConfig(dir, llamaWith(R"({"architectures":
                                   ["Qwen2MoeForCausalLM"]})"_json)),
              {"'architectures'", "Qwen2MoeForCausalLM", "Qwen3ForCausalLM"});
  expectError(
      writeConfig(dir,
                  llamaWith(R"({"architectures": ["GemmaForCausalLM"]})"_json)),
      {"'architectures'", "GemmaForCausalLM"});
  // Fields that would change the graph of a supported architecture.
  expectError(
      writeConfig(dir, llamaWith(R"({"num_local_experts": 8})"_json)),
      {"LlamaForCausalLM", "'num_local_experts'", "mixture-of-experts"});
  expectError(
      writeConfig(dir, llamaWith(R"({"architectures": ["Qwen2ForCausalLM"],
                                     "use_sliding_window": true,
                                     "sliding_window": 32,
                                     "max_window_layers": 1})"_json)),
      {"Qwen2ForCausalLM", "'max_window_layers'", "1 of 2 layers"});
  expectError(
      writeConfig(dir, llamaWith(R"({"architectures": ["Qwen3ForCausalLM"],
                                     "sliding_window": 32,
                                     "layer_types": ["full_attention",
                                     "sliding_attention"]})"_json)),
      {"Qwen3ForCausalLM", "'layer_types'", "1 of 2 layers"});
  expectError(
      writeConfig(dir, llamaWith(R"({"architectures": ["Qwen3ForCausalLM"],
                                     "layer_types": ["full_attention",
                                     "chunked_attention"]})"_json)),
      {"'layer_types[1]'", "chunked_attention"});
  expectError(
      writeConfig(dir, llamaWith(R"({"architectures": ["Qwen3ForCausalLM"],
                                     "attention_bias": true})"_json)),
      {"Qwen3ForCausalLM", "'attention_bias'", "o_proj bias"});
  expectError(
      writeConfig(dir, llamaWith(R"({"final_logit_softcapping": 30.0})"_json)),
      {"'final_logit_softcapping'", "soft-capping"});
  expectError(
      writeConfig(dir, llamaWith(R"({"partial_rotary_factor": 0.5})"_json)),
      {"'partial_rotary_factor'", "part of a head"});
  expectError(writeConfig(dir, llamaWith(R"({"architectures":
                                   ["MistralForCausalLM"], "rope_scaling":
                                   {"rope_type": "yarn", "factor": 4.0}})"_json)),
              {"MistralForCausalLM", "'rope_scaling.rope_type'", "'yarn'",
               "not supported"});
}

TEST(HfConfig, ReadsTransformers5RopeParameters) {
  TempDir dir;
  auto config = parseHfConfig(
      writeConfig(dir, llamaWith(R"({"rope_parameters": {"rope_type": "llama3",
                         "rope_theta": 500000.0, "factor": 32.0,
                         "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 8192}})"_json)));
  ASSERT_TRUE(config) << config.status().message();
  EXPECT_DOUBLE_EQ(config->ropeTheta, 500000.0);
  EXPECT_EQ(config->ropeScaling.kind, RopeScaling::Kind::Llama3);
  EXPECT_DOUBLE_EQ(config->ropeScaling.factor, 32.0);
  auto plain = parseHfConfig(
      writeConfig(dir, llamaWith(R"({"rope_parameters": {"rope_type": "default",
                         "rope_theta": 1000000.0}})"_json)));
  ASSERT_TRUE(plain) << plain.status().message();
  EXPECT_DOUBLE_EQ(plain->ropeTheta, 1e6);
  EXPECT_EQ(plain->ropeScaling.kind, RopeScaling::Kind::None);
  expectError(writeConfig(dir, llamaWith(R"({"rope_parameters": {
                  "rope_type": "yarn", "factor": 4.0}})"_json)),
              {"'rope_parameters.rope_type'", "'yarn'", "not supported"});
}

TEST(HfConfig, RejectsUnknownArchitectureListingSupportedOnes) {
  TempDir dir;
  expectError(
      writeConfig(dir,
                  llamaWith(R"({"architectures": ["GPT2LMHeadModel"]})"_json)),
      {"architectures", "GPT2LMHeadModel", "LlamaForCausalLM",
       "MistralForCausalLM"});
}

TEST(HfConfig, RejectsMissingRequiredField) {
  TempDir dir;
  nlohmann::json json = llamaJson();
  json.erase("intermediate_size");
  expectError(writeConfig(dir, json.dump()),
              {"'intermediate_size'", "missing"});
}

TEST(HfConfig, RejectsWrongJsonType) {
  TempDir dir;
  expectError(
      writeConfig(dir, llamaWith(R"({"num_key_value_heads": "8"})"_json)),
      {"'num_key_value_heads'", "must be an integer", "a string"});
  expectError(writeConfig(dir, llamaWith(R"({"tie_word_embeddings": 1})"_json)),
              {"'tie_word_embeddings'", "must be a boolean"});
  expectError(writeConfig(dir, llamaWith(R"({"eos_token_id": [2, "x"]})"_json)),
              {"'eos_token_id[1]'", "must be an integer"});
  expectError(writeConfig(dir, llamaWith(R"({"head_dim": 16.5})"_json)),
              {"'head_dim'", "floating-point"});
}

TEST(HfConfig, RejectsMalformedJsonWithByteOffset) {
  TempDir dir;
  // nlohmann counts the bytes read up to the stray second comma (index 21).
  expectError(writeConfig(dir, R"({"hidden_size": 4096,, "x": 1})"),
              {"malformed JSON at byte 22"});
  expectError(writeConfig(dir, "[1, 2]"), {"JSON object"});
}

TEST(HfConfig, RejectsUnsupportedRopeScalingType) {
  TempDir dir;
  expectError(writeConfig(dir, llamaWith(R"({"rope_scaling": {"type": "linear",
                                                     "factor": 2.0}})"_json)),
              {"'rope_scaling.type'", "'linear'", "not supported", "llama3"});
  expectError(writeConfig(dir, llamaWith(R"({"rope_scaling": {
                  "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                  "high_freq_factor": 4.0}})"_json)),
              {"'rope_scaling.original_max_position_embeddings'", "missing"});
}

TEST(HfConfig, RejectsSettingsThatChangeTheGraph) {
  TempDir dir;
  expectError(writeConfig(dir, llamaWith(R"({"hidden_act": "gelu"})"_json)),
              {"'hidden_act'", "gelu"});
  expectError(writeConfig(dir, llamaWith(R"({"attention_bias": true})"_json)),
              {"'attention_bias'", "bias"});
  expectError(writeConfig(dir, llamaWith(R"({"mlp_bias": true})"_json)),
              {"'mlp_bias'", "biases"});
  expectError(writeConfig(dir, llamaWith(R"({"num_key_value_heads": 3})"_json)),
              {"num_kv_heads (3)"});
  expectError(writeConfig(dir, llamaWith(R"({"num_attention_heads": 0})"_json)),
              {"'num_attention_heads'", "at least 1"});
}

TEST(HfConfig, NamesTheFileWhenItIsMissing) {
  TempDir dir;
  expectError(dir.file("nowhere/config.json"), {"cannot open"});
}

TEST(HfConfig, RefusesValuesPastTheLimitsNamingTheField) {
  TempDir dir;
  struct Case {
    const char *field;
    int64_t value;
    const char *message;
  };
  for (const Case &c :
       {Case{"num_hidden_layers", 100000000,
             "field 'num_hidden_layers' is 100000000, more than the limit of "
             "1024"},
        Case{"intermediate_size", int64_t(1) << 40,
             "field 'intermediate_size' is 1099511627776, more than the "
             "limit"},
        Case{"num_attention_heads", int64_t(1) << 31,
             "field 'num_attention_heads' is 2147483648, more than the limit"},
        Case{"hidden_size", int64_t(1) << 33, "field 'hidden_size'"},
        Case{"vocab_size", int64_t(1) << 40, "field 'vocab_size'"},
        Case{"max_position_embeddings", 1000000000,
             "field 'max_position_embeddings' is 1000000000, more than the "
             "limit of 4194304"},
        Case{"head_dim", 1 << 20, "field 'head_dim'"}})
    expectError(writeConfig(dir, llamaWith({{c.field, c.value}})), {c.message});
}

TEST(HfConfig, RefusesShapesWhoseParameterCountPassesTheLimit) {
  TempDir dir;
  // Every field within its own limit, the product past 2^42 parameters.
  expectError(writeConfig(dir, llamaWith({{"hidden_size", 65536},
                                          {"num_attention_heads", 512},
                                          {"num_hidden_layers", 1024},
                                          {"intermediate_size", 262144}})),
              {"parameters, more than the limit of 4398046511104"});
}

TEST(HfConfig, RefusesAPathThatIsNotARegularFile) {
  TempDir dir;
  std::string path = dir.file("m/config.json");
  std::filesystem::create_directories(dir.file("m"));
  std::filesystem::create_symlink("/dev/zero", path);
  expectError(path, {"it is a character device, not a regular file"});
  std::string fifo = dir.file("fifo/config.json");
  std::filesystem::create_directories(dir.file("fifo"));
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expectError(fifo, {"it is a FIFO, not a regular file"});
}

TEST(HfConfig, RefusesDeeplyNestedJson) {
  TempDir dir;
  expectError(writeConfig(dir, std::string(100000, '[')),
              {"JSON nests deeper than 128 levels"});
}

} // namespace
} // namespace llmc
