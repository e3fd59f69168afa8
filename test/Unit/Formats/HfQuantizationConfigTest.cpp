// Tests of the quantization_config reader: each accepted FP8 form, and each
// refusal with the field it names.
#include "runtime/formats/HfQuantizationConfig.h"
#include "runtime/formats/HfConfig.h"
#include "test/Unit/Formats/TestFiles.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace llmc {
namespace {

using nlohmann::json;
using Scheme = WeightQuantization::Scheme;

/// parseHfQuantizationConfig on {"quantization_config": config}.
StatusOr<WeightQuantization> parse(const json &config) {
  return parseHfQuantizationConfig(json{{"quantization_config", config}});
}

/// Expects `config` to be refused with every fragment in the message.
void expectRefused(const json &config,
                   const std::vector<std::string> &fragments) {
  auto q = parse(config);
  ASSERT_FALSE(q) << "expected an error for " << config.dump();
  for (const std::string &fragment : fragments)
    EXPECT_NE(q.status().message().find(fragment), std::string::npos)
        << "missing '" << fragment << "' in: " << q.status().message();
}

/// A compressed-tensors FP8 config as llm-compressor writes it: weights with
/// `weightStrategy`, input activations dynamic per token.
json compressedTensors(const std::string &weightStrategy) {
  return json::parse(R"({
    "quant_method": "compressed-tensors", "format": "float-quantized",
    "quantization_status": "compressed", "kv_cache_scheme": null,
    "ignore": ["lm_head"],
    "config_groups": {"group_0": {
      "targets": ["Linear"],
      "weights": {"type": "float", "num_bits": 8, "symmetric": true,
                  "dynamic": false, "group_size": null,
                  "strategy": ")" +
                     weightStrategy + R"("},
      "input_activations": {"type": "float", "num_bits": 8,
                            "symmetric": true, "dynamic": true,
                            "strategy": "token"},
      "output_activations": null}}})");
}

TEST(HfQuantizationConfig, AbsentOrNullMeansUnquantized) {
  auto absent = parseHfQuantizationConfig(json::object());
  ASSERT_TRUE(absent);
  EXPECT_EQ(absent->scheme, Scheme::None);
  auto null = parse(nullptr);
  ASSERT_TRUE(null);
  EXPECT_EQ(null->scheme, Scheme::None);
}

TEST(HfQuantizationConfig, ReadsFp8WithStaticOrDynamicActivations) {
  auto q = parse({{"quant_method", "fp8"},
                  {"activation_scheme", "static"},
                  {"ignored_layers", {"lm_head"}}});
  ASSERT_TRUE(q) << q.status().message();
  EXPECT_EQ(q->scheme, Scheme::Fp8PerTensor);
  EXPECT_TRUE(q->staticInputScale);
  EXPECT_EQ(q->method, "fp8");
  EXPECT_EQ(q->ignoredModules, std::vector<std::string>{"lm_head"});

  q = parse({{"quant_method", "fp8"},
             {"activation_scheme", "dynamic"},
             {"weight_block_size", nullptr},
             {"modules_to_not_convert", {"lm_head", "model.layers.0.mlp"}}});
  ASSERT_TRUE(q) << q.status().message();
  EXPECT_EQ(q->scheme, Scheme::Fp8PerTensor);
  EXPECT_FALSE(q->staticInputScale);
  EXPECT_EQ(q->ignoredModules.size(), 2u);

  // transformers' default activation scheme is dynamic.
  q = parse({{"quant_method", "fp8"}});
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->staticInputScale);
}

TEST(HfQuantizationConfig, ReadsFbgemmFp8AsPerChannelDynamic) {
  auto q = parse({{"quant_method", "fbgemm_fp8"},
                  {"activation_scale_ub", 1200.0},
                  {"modules_to_not_convert", {"lm_head"}}});
  ASSERT_TRUE(q) << q.status().message();
  EXPECT_EQ(q->scheme, Scheme::Fp8PerChannel);
  EXPECT_FALSE(q->staticInputScale);
  EXPECT_EQ(q->ignoredModules, std::vector<std::string>{"lm_head"});
}

TEST(HfQuantizationConfig, ReadsCompressedTensorsPerChannelAndPerTensor) {
  auto channel = parse(compressedTensors("channel"));
  ASSERT_TRUE(channel) << channel.status().message();
  EXPECT_EQ(channel->scheme, Scheme::Fp8PerChannel);
  EXPECT_FALSE(channel->staticInputScale);
  EXPECT_EQ(channel->method, "compressed-tensors");
  EXPECT_EQ(channel->ignoredModules, std::vector<std::string>{"lm_head"});

  // FP8 static: per-tensor weights and a calibrated per-tensor input scale.
  json config = compressedTensors("tensor");
  json &inputs = config["config_groups"]["group_0"]["input_activations"];
  inputs["dynamic"] = false;
  inputs["strategy"] = "tensor";
  config["format"] = "naive-quantized";
  auto tensor = parse(config);
  ASSERT_TRUE(tensor) << tensor.status().message();
  EXPECT_EQ(tensor->scheme, Scheme::Fp8PerTensor);
  EXPECT_TRUE(tensor->staticInputScale);

  // Weight-only FP8: no input activations at all.
  config = compressedTensors("channel");
  config["config_groups"]["group_0"].erase("input_activations");
  auto weightOnly = parse(config);
  ASSERT_TRUE(weightOnly) << weightOnly.status().message();
  EXPECT_FALSE(weightOnly->staticInputScale);

  // The format may sit in the group instead.
  config = compressedTensors("channel");
  config.erase("format");
  config["config_groups"]["group_0"]["format"] = "float-quantized";
  EXPECT_TRUE(parse(config));
}

TEST(HfQuantizationConfig, RefusesBlockWiseFp8) {
  expectRefused({{"quant_method", "fp8"}, {"weight_block_size", {128, 128}}},
                {"quantization_config.weight_block_size",
                 "block-wise FP8 (weight_block_size) is not supported"});
}

TEST(HfQuantizationConfig, RefusesOtherMethodsListingTheSupportedOnes) {
  for (const char *method : {"gptq", "awq", "bitsandbytes"})
    expectRefused({{"quant_method", method}, {"bits", 4}},
                  {"quantization_config.quant_method",
                   std::string("'") + method + "'",
                   "supported: fp8, fbgemm_fp8, compressed-tensors"});
  expectRefused({{"bits", 4}}, {"quant_method", "is missing"});
  expectRefused({{"quant_method", 8}}, {"quant_method", "must be a string"});
  auto notObject = parse("fp8");
  ASSERT_FALSE(notObject);
  EXPECT_NE(notObject.status().message().find("must be an object"),
            std::string::npos);
}

TEST(HfQuantizationConfig, RefusesUnknownActivationScheme) {
  expectRefused({{"quant_method", "fp8"}, {"activation_scheme", "token"}},
                {"quantization_config.activation_scheme", "'token'",
                 "supported: static, dynamic"});
}

TEST(HfQuantizationConfig, RefusesCompressedTensorsOutsideFp8NamingTheField) {
  const std::string weights = "quantization_config.config_groups.group_0."
                              "weights";
  for (const char *strategy : {"group", "block", "token"})
    expectRefused(compressedTensors(strategy),
                  {weights + ".strategy", std::string("'") + strategy + "'",
                   "'tensor' and 'channel'"});

  json config = compressedTensors("channel");
  config["config_groups"]["group_0"]["weights"]["type"] = "int";
  expectRefused(config, {weights + ".type", "'int'", "only 'float'"});

  config = compressedTensors("channel");
  config["config_groups"]["group_0"]["weights"]["num_bits"] = 4;
  expectRefused(config, {weights + ".num_bits", "is 4", "8-bit"});

  config = compressedTensors("channel");
  config["config_groups"]["group_0"]["weights"]["symmetric"] = false;
  expectRefused(config, {weights + ".symmetric", "zero points"});

  config = compressedTensors("channel");
  config["format"] = "pack-quantized";
  expectRefused(config, {"quantization_config.format", "'pack-quantized'",
                         "float-quantized"});

  config = compressedTensors("channel");
  config["config_groups"]["group_1"] = config["config_groups"]["group_0"];
  expectRefused(config, {"quantization_config.config_groups", "has 2 groups"});

  config = compressedTensors("channel");
  json &inputs = config["config_groups"]["group_0"]["input_activations"];
  inputs["dynamic"] = false; // static, but per token
  expectRefused(config, {"group_0.input_activations.strategy", "'token'",
                         "per tensor only"});

  config = compressedTensors("channel");
  config["config_groups"]["group_0"]["input_activations"]["num_bits"] = 4;
  expectRefused(config, {"group_0.input_activations.num_bits", "is 4"});

  config = compressedTensors("channel");
  config["config_groups"]["group_0"]["output_activations"] =
      config["config_groups"]["group_0"]["weights"];
  expectRefused(config, {"group_0.output_activations", "not supported"});

  config = compressedTensors("channel");
  config["ignore"] = {"lm_head", 3};
  expectRefused(config, {"quantization_config.ignore[1]", "must be a string"});
}

TEST(HfQuantizationConfig, ParseHfConfigCarriesItAndNamesTheFileInErrors) {
  test::TempDir dir;
  json root = {{"architectures", {"LlamaForCausalLM"}},
               {"hidden_size", 64},
               {"num_hidden_layers", 2},
               {"num_attention_heads", 4},
               {"intermediate_size", 128},
               {"vocab_size", 100},
               {"max_position_embeddings", 256},
               {"rms_norm_eps", 1e-6},
               {"quantization_config", compressedTensors("channel")}};
  const std::string path = dir.file("m/config.json");
  test::writeText(path, root.dump());
  auto config = parseHfConfig(path);
  ASSERT_TRUE(config) << config.status().message();
  EXPECT_EQ(config->weightQuantization.scheme, Scheme::Fp8PerChannel);
  EXPECT_EQ(config->weightQuantization.ignoredModules,
            std::vector<std::string>{"lm_head"});

  root["quantization_config"] = {{"quant_method", "awq"}};
  test::writeText(path, root.dump());
  config = parseHfConfig(path);
  ASSERT_FALSE(config);
  const std::string &message = config.status().message();
  EXPECT_EQ(message.rfind(path + ": LlamaForCausalLM: field "
                                 "'quantization_config.quant_method'",
                          0),
            0u)
      << message;

  root.erase("quantization_config");
  test::writeText(path, root.dump());
  config = parseHfConfig(path);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->weightQuantization.scheme, Scheme::None);
}

} // namespace
} // namespace llmc
