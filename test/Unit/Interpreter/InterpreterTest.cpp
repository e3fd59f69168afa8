// The llm-dialect path (ModuleBuilder -> Interpreter) against the runtime's CPU
// device (CpuModel), which runs the same decoder without MLIR. Both call the
// same reference ops in the same order, so logits must agree to float rounding;
// a difference means the builder wired the graph differently from the model.
#include "compiler/Interpreter/Interpreter.h"
#include "compiler/Frontend/ModuleBuilder.h"
#include "dialects/LLM/IR/LLMOps.h"
#include "runtime/cpu/CpuModel.h"
#include "runtime/formats/ModelLoader.h"

#include "test/Unit/Support/RelativeError.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

using namespace llmc;
using llmc::testing::relativeError;

namespace {

ModelConfig tinyConfig() {
  ModelConfig c;
  c.name = "tiny";
  c.architecture = "LlamaForCausalLM";
  c.dim = 64;
  c.numLayers = 2;
  c.numHeads = 4;
  c.numKvHeads = 2; // grouped-query attention
  c.headDim = 16;
  c.ffnDim = 96;
  c.vocabSize = 50;
  c.maxSeqLen = 32;
  return c;
}

/// Runs a prompt then decode steps through both paths and compares the logits
/// of the last token at every step.
void expectInterpreterMatchesCpuModel(const ModelConfig &config,
                                      const WeightStore &weights,
                                      std::vector<int32_t> prompt,
                                      int decodeSteps) {
  mlir::MLIRContext context;
  auto module = buildModelModule(context, config, weights);
  ASSERT_TRUE(module.isOk()) << module.status().message();
  auto interp = Interpreter::create(**module, weights, 2);
  ASSERT_TRUE(interp.isOk()) << interp.status().message();
  auto model = CpuModel::create(config, weights, 2);
  ASSERT_TRUE(model.isOk()) << model.status().message();

  ref::KvCache interpCache = interp->createCache();
  ref::KvCache modelCache = model->createCache();
  std::vector<int32_t> step = prompt;
  int32_t position = 0;
  for (int s = 0; s <= decodeSteps; ++s) {
    std::vector<int32_t> positions(step.size());
    for (size_t i = 0; i < step.size(); ++i)
      positions[i] = position + int32_t(i);
    auto all = interp->forward(step, positions, interpCache);
    ASSERT_TRUE(all.isOk()) << all.status().message();
    std::vector<float> last(all->end() - config.vocabSize, all->end());
    auto expected = model->forward(step, position, modelCache);
    ASSERT_TRUE(expected.isOk()) << expected.status().message();
    // Same ops, same order: only summation order inside threads may differ.
    EXPECT_LT(relativeError(last, *expected), 1e-5) << "step " << s;
    position += int32_t(step.size());
    int32_t next =
        int32_t(std::max_element(last.begin(), last.end()) - last.begin());
    step.assign(1, next);
  }
}

TEST(Interpreter, MatchesCpuModelOnGroupedQueryConfig) {
  ModelConfig config = tinyConfig();
  LoadedModel model = makeSyntheticModel(config, /*seed=*/7);
  expectInterpreterMatchesCpuModel(config, model.weights, {1, 5, 9, 3}, 4);
}

TEST(Interpreter, MatchesCpuModelWithInterleavedRopeAndTiedEmbeddings) {
  ModelConfig config = tinyConfig();
  config.ropeStyle = RopeStyle::Interleaved;
  config.tieWordEmbeddings = true;
  config.numKvHeads = 4;
  LoadedModel model = makeSyntheticModel(config, /*seed=*/11);
  expectInterpreterMatchesCpuModel(config, model.weights, {1, 2, 3}, 3);
}

TEST(Interpreter, MatchesCpuModelWithLlama3RopeScaling) {
  ModelConfig config = tinyConfig();
  config.ropeTheta = 500000.0;
  config.ropeScaling.kind = RopeScaling::Kind::Llama3;
  config.ropeScaling.factor = 8.0;
  config.ropeScaling.originalMaxPositionEmbeddings = 16;
  LoadedModel model = makeSyntheticModel(config, /*seed=*/3);
  expectInterpreterMatchesCpuModel(config, model.weights, {4, 8, 15, 16, 23},
                                   3);
}

/// Runs one forward call of the tiny model and returns its error message.
std::string forwardError(const std::vector<int32_t> &tokens,
                         const std::vector<int32_t> &positions) {
  ModelConfig config = tinyConfig();
  LoadedModel model = makeSyntheticModel(config, 1);
  mlir::MLIRContext context;
  auto module = buildModelModule(context, config, model.weights);
  EXPECT_TRUE(module.isOk());
  auto interp = Interpreter::create(**module, model.weights, 1);
  EXPECT_TRUE(interp.isOk());
  ref::KvCache cache = interp->createCache();
  auto logits = interp->forward(tokens, positions, cache);
  return logits.isOk() ? "" : logits.status().message();
}

TEST(Interpreter, RejectsTokenOutsideVocabulary) {
  EXPECT_NE(forwardError({1, 50}, {0, 1}).find("token id 50"),
            std::string::npos);
}

TEST(Interpreter, RejectsPositionPastTheContext) {
  EXPECT_NE(forwardError({1}, {32}).find("context of 32"), std::string::npos);
}

TEST(ModuleBuilder, EmitsOneWeightSymbolPerTensorAndOneLayerOfOpsPerLayer) {
  ModelConfig config = tinyConfig();
  LoadedModel model = makeSyntheticModel(config, 1);
  mlir::MLIRContext context;
  auto module = buildModelModule(context, config, model.weights);
  ASSERT_TRUE(module.isOk());
  auto weights = (*module)->getOps<mlir::llm::WeightOp>();
  // embed + 9 per layer + final norm + lm_head (not tied).
  EXPECT_EQ(std::distance(weights.begin(), weights.end()),
            2 + 9 * config.numLayers + 1);
  int attentions = 0, linears = 0;
  (*module)->walk([&](mlir::Operation *op) {
    attentions += mlir::isa<mlir::llm::AttentionOp>(op);
    linears += mlir::isa<mlir::llm::LinearOp>(op);
  });
  EXPECT_EQ(attentions, config.numLayers);
  EXPECT_EQ(linears, 7 * config.numLayers);
}

TEST(ModuleBuilder, RefusesStoreMissingAWeight) {
  ModelConfig config = tinyConfig();
  LoadedModel model = makeSyntheticModel(config, 1);
  WeightStore partial;
  for (const std::string &name : model.weights.names()) {
    if (name != "model.layers.1.mlp.up_proj.weight") {
      ASSERT_TRUE(partial.add(*model.weights.find(name)).isOk());
    }
  }
  mlir::MLIRContext context;
  auto module = buildModelModule(context, config, partial);
  ASSERT_FALSE(module.isOk());
  EXPECT_NE(module.status().message().find("model.layers.1.mlp.up_proj.weight"),
            std::string::npos);
}

TEST(ModuleBuilder, RefusesFp8WeightsItCannotScaleYet) {
  ModelConfig config = tinyConfig();
  LoadedModel model = makeSyntheticModel(config, 1);
  const std::string fp8 = "model.layers.0.self_attn.k_proj.weight";
  WeightStore weights;
  for (const std::string &name : model.weights.names()) {
    WeightTensor t = *model.weights.find(name);
    if (name == fp8) {
      // Codes of the right shape; what they hold does not matter.
      t.dtype = DType::F8E4M3;
      t.isSynthetic = false;
      t.storage = ownBytes(std::vector<uint8_t>(t.byteSize(), 0x38));
    }
    ASSERT_TRUE(weights.add(std::move(t)).isOk());
  }
  mlir::MLIRContext context;
  auto module = buildModelModule(context, config, weights);
  ASSERT_FALSE(module.isOk());
  EXPECT_NE(module.status().message().find("weight '" + fp8 + "' is f8e4m3"),
            std::string::npos)
      << module.status().message();
}

TEST(Interpreter, MatchesCpuModelOnStories15M) {
  const char *cache = std::getenv("LLMC_MODEL_CACHE");
  std::filesystem::path dir =
      std::filesystem::path(
          cache ? cache : std::string(std::getenv("HOME")) + "/.cache/llmc") /
      "stories15M";
  if (!std::filesystem::exists(dir / "stories15M.bin"))
    GTEST_SKIP() << "stories15M is not cached (scripts/fetch-model.sh)";
  auto loaded = loadModel((dir / "stories15M.bin").string(), LoadOptions());
  ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
  // "Once upon a time" with BOS.
  expectInterpreterMatchesCpuModel(loaded->config, loaded->weights,
                                   {1, 9038, 2501, 263, 931}, 4);
}

} // namespace

namespace {

/// Builds the module of a real model shape from its config.json alone
/// (synthetic weights: nothing is materialized) and checks its interface.
void expectModuleForExampleConfig(const std::string &model, int64_t layers,
                                  int64_t kvHeads, int64_t vocab) {
  std::string path = std::string(LLMC_SOURCE_DIR) + "/examples/configs/" +
                     model + "/config.json";
  auto loaded = loadModel(path, LoadOptions());
  ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
  mlir::MLIRContext context;
  auto module = buildModelModule(context, loaded->config, loaded->weights);
  ASSERT_TRUE(module.isOk()) << module.status().message();
  auto forward = (*module)->lookupSymbol<mlir::func::FuncOp>("forward");
  ASSERT_TRUE(forward);
  auto cache =
      mlir::cast<mlir::llm::KVCacheType>(forward.getFunctionType().getInput(2));
  EXPECT_EQ(cache.getNumLayers(), layers);
  EXPECT_EQ(cache.getNumKvHeads(), kvHeads);
  auto logits = mlir::cast<mlir::RankedTensorType>(
      forward.getFunctionType().getResult(0));
  EXPECT_EQ(logits.getDimSize(1), vocab);
  // Synthetic weights are declared bf16, as a real checkpoint would be.
  auto weights = (*module)->getOps<mlir::llm::WeightOp>();
  EXPECT_TRUE((*weights.begin()).getType().getElementType().isBF16());
}

TEST(ModuleBuilder, BuildsLlama2_7BShapeFromConfigAlone) {
  expectModuleForExampleConfig("llama-2-7b", 32, 32, 32000);
}

TEST(ModuleBuilder, BuildsLlama3_8BShapeWithGroupedQueryAttention) {
  expectModuleForExampleConfig("llama-3-8b", 32, 8, 128256);
}

TEST(ModuleBuilder, CarriesLlama3RopeScalingIntoEveryRope) {
  std::string path = std::string(LLMC_SOURCE_DIR) +
                     "/examples/configs/llama-3.1-8b/config.json";
  auto loaded = loadModel(path, LoadOptions());
  ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
  mlir::MLIRContext context;
  auto module = buildModelModule(context, loaded->config, loaded->weights);
  ASSERT_TRUE(module.isOk()) << module.status().message();
  int ropes = 0;
  (*module)->walk([&](mlir::llm::RopeOp rope) {
    ++ropes;
    ASSERT_TRUE(rope.getScalingAttr());
    EXPECT_EQ(rope.getScalingAttr().getFactor().convertToDouble(), 8.0);
  });
  EXPECT_EQ(ropes, 2 * 32);
}

} // namespace
