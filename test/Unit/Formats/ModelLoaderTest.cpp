// Tests of loadModel, makeSyntheticModel and checkWeights: format detection,
// tokenizer discovery, the weight/config contract, and synthetic models of the
// example configs.
#include "runtime/formats/ModelLoader.h"
#include "runtime/formats/Fp8Checkpoint.h"
#include "runtime/formats/SafetensorsWriter.h"
#include "runtime/model/Fp8Quantize.h"
#include "runtime/model/WeightNames.h"
#include "test/Unit/Formats/TestFiles.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace llmc {
namespace {

namespace names = weight_names;
using test::TempDir;

std::string exampleConfig(const std::string &model) {
  return std::string(LLMC_SOURCE_DIR) + "/examples/configs/" + model +
         "/config.json";
}

#define EXPECT_CONTAINS(text, fragment)                                        \
  EXPECT_NE(std::string(text).find(fragment), std::string::npos)               \
      << "missing '" << (fragment) << "' in: " << (text)

/// A small GQA config written as <dir>/tiny/config.json.
const char *kTinyConfig = R"({
  "architectures": ["LlamaForCausalLM"], "hidden_size": 16,
  "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
  "intermediate_size": 32, "vocab_size": 50, "max_position_embeddings": 64,
  "rms_norm_eps": 1e-5})";

/// Writes the tiny config and real (materialized synthetic) weights into
/// <dir>/tiny, leaving out `skip` and returning the model directory.
std::string writeTinyModel(const TempDir &dir, const std::string &skip = "") {
  std::string modelDir = dir.file("tiny");
  test::writeText(modelDir + "/config.json", kTinyConfig);
  auto config = loadModel(modelDir + "/config.json", {});
  EXPECT_TRUE(config) << config.status().message();
  WeightStore kept;
  for (const std::string &name : config->weights.names()) {
    if (name != skip) {
      EXPECT_TRUE(kept.add(*config->weights.find(name)));
    }
  }
  EXPECT_TRUE(writeSafetensors(modelDir + "/model.safetensors", kept));
  return modelDir;
}

TEST(ModelLoader, SyntheticLlama2_7BHasItsParameterCountAndAllocatesNothing) {
  auto model = loadModel(exampleConfig("llama-2-7b"), {});
  ASSERT_TRUE(model) << model.status().message();
  const ModelConfig &c = model->config;
  EXPECT_EQ(c.name, "llama-2-7b");
  EXPECT_EQ(c.dim, 4096);
  EXPECT_EQ(c.numLayers, 32);
  EXPECT_EQ(c.numKvHeads, 32);
  EXPECT_EQ(c.ffnDim, 11008);
  EXPECT_EQ(c.vocabSize, 32000);
  EXPECT_EQ(c.maxSeqLen, 4096);
  // The published count of Llama-2-7B: 6,738,415,616 parameters.
  EXPECT_EQ(c.parameterCount(), 6738415616);
  int64_t elements = 0;
  for (const std::string &name : model->weights.names()) {
    const WeightTensor *t = model->weights.find(name);
    elements += t->numElements();
    EXPECT_TRUE(t->isSynthetic) << name;
    EXPECT_EQ(t->storage, nullptr) << name;
    EXPECT_EQ(t->dtype, DType::BF16) << name;
  }
  EXPECT_EQ(elements, c.parameterCount());
  EXPECT_EQ(model->weights.totalBytes(), size_t(2 * c.parameterCount()));
}

TEST(ModelLoader, SyntheticLlama3ModelsHaveGqaShapes) {
  for (const char *name : {"llama-3-8b", "llama-3.1-8b"}) {
    auto model = loadModel(exampleConfig(name), {});
    ASSERT_TRUE(model) << model.status().message();
    const ModelConfig &c = model->config;
    EXPECT_EQ(c.numKvHeads, 8) << name;
    EXPECT_EQ(c.vocabSize, 128256) << name;
    EXPECT_EQ(c.bosTokenId, 128000) << name;
    EXPECT_EQ(c.eosTokenId, 128001) << name;
    EXPECT_DOUBLE_EQ(c.ropeTheta, 500000.0) << name;
    EXPECT_EQ(c.parameterCount(), 8030261248) << name; // published count
    EXPECT_EQ(model->weights.find(names::wk(31))->shape,
              (std::vector<int64_t>{1024, 4096}));
  }
  auto llama31 = loadModel(exampleConfig("llama-3.1-8b"), {});
  ASSERT_TRUE(llama31);
  EXPECT_EQ(llama31->config.maxSeqLen, 131072);
  EXPECT_EQ(llama31->config.ropeScaling.kind, RopeScaling::Kind::Llama3);
  EXPECT_DOUBLE_EQ(llama31->config.ropeScaling.factor, 8.0);
}

TEST(ModelLoader, SyntheticWeightsAreSeededPerTensorWithUnitNorms) {
  auto config = loadModel(exampleConfig("llama-2-7b"), {})->config;
  LoadedModel a = makeSyntheticModel(config, 1);
  LoadedModel b = makeSyntheticModel(config, 1);
  LoadedModel c = makeSyntheticModel(config, 2);
  auto norm = a.weights.toFloat(names::attnNorm(0)).value();
  EXPECT_EQ(norm, std::vector<float>(4096, 1.0f));
  // Same seed and name -> same values; another name or seed -> other values.
  const auto &spec = [](const LoadedModel &m, const std::string &n) {
    return m.weights.find(n)->synthetic;
  };
  EXPECT_EQ(spec(a, names::wq(3)).seed, spec(b, names::wq(3)).seed);
  EXPECT_NE(spec(a, names::wq(3)).seed, spec(a, names::wk(3)).seed);
  EXPECT_NE(spec(a, names::wq(3)).seed, spec(c, names::wq(3)).seed);
  // Projections: mean ~0, stddev ~0.02 (2^24 samples, so both tolerances are
  // dozens of standard errors; the test guards the scale, not the sampling).
  auto wq = a.weights.toFloat(names::wq(0)).value();
  double sum = 0, sumSq = 0;
  for (float v : wq) {
    sum += v;
    sumSq += double(v) * v;
  }
  double mean = sum / wq.size();
  EXPECT_NEAR(mean, 0.0, 2e-4);
  EXPECT_NEAR(std::sqrt(sumSq / wq.size() - mean * mean), 0.02, 2e-4);
}

TEST(ModelLoader, LoadsHfDirectoryWithSafetensorsAndTokenizer) {
  TempDir dir;
  std::string modelDir = writeTinyModel(dir);
  test::writeText(modelDir + "/tokenizer.json", "{}");
  auto model = loadModel(modelDir, {});
  ASSERT_TRUE(model) << model.status().message();
  EXPECT_EQ(model->config.name, "tiny");
  EXPECT_EQ(model->config.numKvHeads, 2);
  EXPECT_EQ(model->tokenizerPath, modelDir + "/tokenizer.json");
  const WeightTensor *wk = model->weights.find(names::wk(1));
  ASSERT_NE(wk, nullptr);
  EXPECT_FALSE(wk->isSynthetic);
  EXPECT_EQ(wk->shape, (std::vector<int64_t>{8, 16}));
  // The file holds the bf16 values of the synthetic model it was written from.
  LoadedModel synthetic = makeSyntheticModel(model->config, 0);
  EXPECT_EQ(model->weights.toFloat(names::wk(1)).value(),
            synthetic.weights.toFloat(names::wk(1)).value());

  // With syntheticWeights the safetensors file is not read at all.
  LoadOptions options;
  options.syntheticWeights = true;
  options.seed = 5;
  auto fake = loadModel(modelDir, options);
  ASSERT_TRUE(fake) << fake.status().message();
  EXPECT_TRUE(fake->weights.find(names::wk(1))->isSynthetic);
}

TEST(ModelLoader, LoadsShardedHfDirectory) {
  TempDir dir;
  std::string modelDir = writeTinyModel(dir);
  // Re-shard: embeddings in one file, everything else in another.
  auto model = loadModel(modelDir, {});
  ASSERT_TRUE(model) << model.status().message();
  WeightStore first, second;
  std::string map;
  for (const std::string &name : model->weights.names()) {
    bool inFirst = name == names::embedTokens();
    ASSERT_TRUE((inFirst ? first : second).add(*model->weights.find(name)));
    map += std::string(map.empty() ? "" : ",") + "\"" + name + "\": \"" +
           (inFirst ? "a.safetensors" : "b.safetensors") + "\"";
  }
  std::string sharded = dir.file("sharded");
  test::writeText(sharded + "/config.json", kTinyConfig);
  ASSERT_TRUE(writeSafetensors(sharded + "/a.safetensors", first));
  ASSERT_TRUE(writeSafetensors(sharded + "/b.safetensors", second));
  test::writeText(sharded + "/model.safetensors.index.json",
                  "{\"weight_map\": {" + map + "}}");
  auto loaded = loadModel(sharded, {});
  ASSERT_TRUE(loaded) << loaded.status().message();
  EXPECT_EQ(loaded->weights.size(), model->weights.size());
  EXPECT_EQ(loaded->weights.toFloat(names::wDown(1)).value(),
            model->weights.toFloat(names::wDown(1)).value());
  EXPECT_EQ(loaded->tokenizerPath, "");
}

/// Writes the tiny model with every linear weight of the layers quantized to
/// FP8 per output channel (fbgemm_fp8's layout: "X.weight_scale" [N, 1] f32
/// beside "X.weight"), leaving out `skip`; returns the model directory.
std::string writeTinyFp8Model(const TempDir &dir, const std::string &skip = "",
                              bool withQuantizationConfig = true) {
  std::string modelDir = dir.file("tiny-fp8");
  std::string config = kTinyConfig;
  if (withQuantizationConfig)
    config.insert(config.rfind('}'), R"(, "quantization_config": {
      "quant_method": "fbgemm_fp8", "activation_scale_ub": 1200.0,
      "modules_to_not_convert": ["lm_head"]})");
  test::writeText(modelDir + "/config.json", config);
  auto synthetic = loadModel(dir.file("tiny") + "/config.json", {});
  EXPECT_TRUE(synthetic) << synthetic.status().message();
  WeightStore kept;
  for (const std::string &name : synthetic->weights.names()) {
    const WeightTensor &t = *synthetic->weights.find(name);
    const bool linear = name.find("_proj.weight") != std::string::npos;
    if (!linear) {
      EXPECT_TRUE(kept.add(t));
      continue;
    }
    std::vector<float> values = synthetic->weights.toFloat(name).value();
    Fp8Weights q =
        quantizeFp8PerChannel(values.data(), t.shape[0], t.shape[1]).value();
    WeightTensor codes = t;
    codes.dtype = DType::F8E4M3;
    codes.isSynthetic = false;
    codes.storage = ownBytes(q.codes);
    EXPECT_TRUE(kept.add(codes));
    WeightTensor scale;
    scale.name = name + "_scale";
    scale.shape = {t.shape[0], 1};
    std::vector<uint8_t> bytes(q.scales.size() * 4);
    std::memcpy(bytes.data(), q.scales.data(), bytes.size());
    scale.storage = ownBytes(std::move(bytes));
    if (scale.name != skip) {
      EXPECT_TRUE(kept.add(scale));
    }
  }
  EXPECT_TRUE(writeSafetensors(modelDir + "/model.safetensors", kept));
  return modelDir;
}

TEST(ModelLoader, LoadsAnFp8CheckpointWithItsScales) {
  TempDir dir;
  writeTinyModel(dir); // the bf16 original, for comparison
  std::string modelDir = writeTinyFp8Model(dir);
  auto model = loadModel(modelDir, {});
  ASSERT_TRUE(model) << model.status().message();
  const WeightQuantization &q = model->config.weightQuantization;
  EXPECT_EQ(q.scheme, WeightQuantization::Scheme::Fp8PerChannel);
  EXPECT_EQ(q.ignoredModules, std::vector<std::string>{"lm_head"});
  EXPECT_EQ(model->weights.find(names::wUp(1))->dtype, DType::F8E4M3);
  EXPECT_EQ(model->weights.find(names::lmHead())->dtype, DType::BF16);

  auto bf16 = loadModel(dir.file("tiny"), {});
  ASSERT_TRUE(bf16);
  std::vector<float> original = bf16->weights.toFloat(names::wUp(1)).value();
  std::vector<float> values =
      dequantizeToFloat(model->weights, q, names::wUp(1)).value();
  ASSERT_EQ(values.size(), original.size());
  for (size_t i = 0; i < values.size(); ++i)
    // Normal codes keep 4 significant bits (error at most 1/16 of the value);
    // the few subnormal ones err by at most half a step of 2^-9 * scale, and
    // scales here are about 0.06 / 448.
    EXPECT_NEAR(values[i], original[i], std::fabs(original[i]) / 16 + 1e-6f)
        << i;
}

TEST(ModelLoader, RefusesAnFp8CheckpointWithAMissingScale) {
  TempDir dir;
  writeTinyModel(dir);
  std::string modelDir = writeTinyFp8Model(dir, names::wk(0) + "_scale");
  auto model = loadModel(modelDir, {});
  ASSERT_FALSE(model);
  EXPECT_CONTAINS(model.status().message(), modelDir);
  EXPECT_CONTAINS(model.status().message(),
                  "'" + names::wk(0) + "' has no scale tensor");
}

TEST(ModelLoader, RefusesFp8WeightsWithoutAQuantizationConfig) {
  TempDir dir;
  writeTinyModel(dir);
  std::string modelDir = writeTinyFp8Model(dir, "", false);
  auto model = loadModel(modelDir, {});
  ASSERT_FALSE(model);
  EXPECT_CONTAINS(model.status().message(),
                  "is f8e4m3, but config.json has no FP8 quantization_config");
}

TEST(ModelLoader, RefusesMissingTensorNamingItsExpectedShape) {
  TempDir dir;
  std::string modelDir = writeTinyModel(dir, names::wv(1));
  auto model = loadModel(modelDir, {});
  ASSERT_FALSE(model);
  const std::string &m = model.status().message();
  EXPECT_CONTAINS(m, modelDir);
  EXPECT_CONTAINS(m, "missing tensor '" + names::wv(1) + "'");
  EXPECT_CONTAINS(m, "expected shape [8, 16]");
}

TEST(ModelLoader, RefusesTensorOfWrongShape) {
  ModelConfig config = loadModel(exampleConfig("llama-2-7b"), {})->config;
  LoadedModel model = makeSyntheticModel(config, 0);
  ModelConfig other = config;
  other.ffnDim = 4096;
  Status status = checkWeights(other, model.weights, "model-dir");
  ASSERT_FALSE(status);
  EXPECT_CONTAINS(status.message(), "model-dir");
  EXPECT_CONTAINS(status.message(), "tensor '" + names::wGate(0) +
                                        "' has shape [11008, 4096], expected "
                                        "[4096, 4096]");
  EXPECT_CONTAINS(status.message(), "and 95 more");
  EXPECT_TRUE(checkWeights(config, model.weights, "model-dir"));
}

TEST(ModelLoader, RequiresLmHeadOnlyWithoutTiedEmbeddings) {
  ModelConfig config = loadModel(exampleConfig("llama-2-7b"), {})->config;
  EXPECT_NE(makeSyntheticModel(config, 0).weights.find(names::lmHead()),
            nullptr);
  config.tieWordEmbeddings = true;
  LoadedModel tied = makeSyntheticModel(config, 0);
  EXPECT_EQ(tied.weights.find(names::lmHead()), nullptr);
  EXPECT_TRUE(checkWeights(config, tied.weights, "x"));
  config.tieWordEmbeddings = false;
  Status status = checkWeights(config, tied.weights, "x");
  ASSERT_FALSE(status);
  EXPECT_CONTAINS(status.message(), "missing tensor 'lm_head.weight'");
}

TEST(ModelLoader, RefusesDirectoryWithoutWeightsOrConfig) {
  TempDir dir;
  std::string modelDir = dir.file("tiny");
  test::writeText(modelDir + "/config.json", kTinyConfig);
  auto model = loadModel(modelDir, {});
  ASSERT_FALSE(model);
  EXPECT_CONTAINS(model.status().message(), "neither model.safetensors");

  std::string empty = dir.file("empty");
  std::filesystem::create_directories(empty);
  model = loadModel(empty, {});
  ASSERT_FALSE(model);
  EXPECT_CONTAINS(model.status().message(), "no config.json");

  model = loadModel(dir.file("absent"), {});
  ASSERT_FALSE(model);
  EXPECT_CONTAINS(model.status().message(), "no such file");
}

TEST(ModelLoader, LeavesMlirFilesToTheDialectImporter) {
  TempDir dir;
  test::writeText(dir.file("m.mlir"), "module {}");
  auto model = loadModel(dir.file("m.mlir"), {});
  ASSERT_FALSE(model);
  EXPECT_CONTAINS(model.status().message(), "llm-dialect importer");
}

TEST(ModelLoader, LoadsLlama2cCheckpointWithTokenizerBesideIt) {
  std::filesystem::path stories = test::modelCache() / "stories15M";
  if (!std::filesystem::exists(stories / "stories15M.bin") ||
      !std::filesystem::exists(stories / "tokenizer.bin"))
    GTEST_SKIP() << stories << " is incomplete; run scripts/fetch-model.sh";
  auto model = loadModel((stories / "stories15M.bin").string(), {});
  ASSERT_TRUE(model) << model.status().message();
  EXPECT_EQ(model->config.name, "stories15M");
  EXPECT_EQ(model->tokenizerPath, (stories / "tokenizer.bin").string());
  EXPECT_FALSE(model->weights.find(names::wq(0))->isSynthetic);

  // An explicit tokenizer wins, and must exist.
  TempDir dir;
  test::writeText(dir.file("other.bin"), "x");
  LoadOptions options;
  options.tokenizerPath = dir.file("other.bin");
  model = loadModel((stories / "stories15M.bin").string(), options);
  ASSERT_TRUE(model) << model.status().message();
  EXPECT_EQ(model->tokenizerPath, dir.file("other.bin"));
  options.tokenizerPath = dir.file("absent.bin");
  model = loadModel((stories / "stories15M.bin").string(), options);
  ASSERT_FALSE(model);
  EXPECT_CONTAINS(model.status().message(), "absent.bin");
}

} // namespace
} // namespace llmc
