// Every graph pass keeps the logits unchanged: the interpreter runs a prompt
// and a few greedy decode steps on a model module before and after each pass
// alone and after the whole fusion pipeline, on stories15M and on small random
// models (grouped-query and full attention, both RoPE styles, tied and untied
// embeddings, Llama 3 RoPE scaling).
//
// Tolerance: relative difference (max |after - before| / max |before|) below
// 1e-5. The fused ops run the same fp32 reference functions as the ops they
// replace, so only summation order could differ; a wiring mistake (rows of a
// derived weight in the wrong order, a wrong split) changes logits by orders
// of magnitude more, as DetectsGateAndUpRowsInTheWrongOrder shows.
//
// Decode after llm-specialize-phase: @decode has a static token dim of
// kMaxSlots rows, one per slot, while the interpreter's cache holds one
// sequence. The step's token is repeated in every row at the same position:
// the extra rows write the same k/v to the same cache row and compute the same
// logits, so the cache ends as a one-row step leaves it, and row 0 is compared.
#include "compiler/Frontend/ModuleBuilder.h"
#include "compiler/Interpreter/Interpreter.h"
#include "dialects/LLM/IR/LLMOps.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"
#include "runtime/formats/ModelLoader.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

#include "test/Unit/Support/RelativeError.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>

using namespace llmc;
using llmc::testing::relativeError;
namespace llm = mlir::llm;

namespace {

constexpr int64_t kMaxSlots = 4;
constexpr double kTolerance = 1e-5;

/// What a module computed for a prompt and the decode steps after it.
struct Trace {
  std::vector<float> promptLogits;            ///< [prompt length, vocab]
  std::vector<std::vector<float>> stepLogits; ///< [vocab] per decode step
  std::vector<int32_t> stepTokens;            ///< the token of each step
};

/// Runs `prompt`, then greedy decode steps, on the original module's @forward.
StatusOr<Trace> runReference(mlir::ModuleOp module, const WeightStore &weights,
                             const std::vector<int32_t> &prompt, int steps) {
  LLMC_ASSIGN_OR_RETURN(Interpreter interp,
                        Interpreter::create(module, weights, 2));
  ref::KvCache cache = interp.createCache();
  std::vector<int32_t> positions(prompt.size());
  for (size_t i = 0; i < prompt.size(); ++i)
    positions[i] = int32_t(i);
  Trace trace;
  LLMC_ASSIGN_OR_RETURN(trace.promptLogits,
                        interp.forward(prompt, positions, cache));
  std::vector<float> last(trace.promptLogits.end() - interp.vocabSize(),
                          trace.promptLogits.end());
  for (int s = 0; s < steps; ++s) {
    int32_t token =
        int32_t(std::max_element(last.begin(), last.end()) - last.begin());
    int32_t position = int32_t(prompt.size()) + s;
    LLMC_ASSIGN_OR_RETURN(last, interp.forward({token}, {position}, cache));
    trace.stepTokens.push_back(token);
    trace.stepLogits.push_back(last);
  }
  return trace;
}

/// Replays `reference`'s tokens on a transformed module: @forward when it has
/// one, else @prefill for the prompt and @decode (padded to kMaxSlots rows,
/// see the file comment) for the steps.
StatusOr<Trace> replay(mlir::ModuleOp module, const WeightStore &weights,
                       const std::vector<int32_t> &prompt,
                       const Trace &reference) {
  LLMC_ASSIGN_OR_RETURN(Interpreter interp,
                        Interpreter::create(module, weights, 2));
  bool specialized = !module.lookupSymbol("forward");
  ref::KvCache cache = interp.createCache();
  std::vector<int32_t> positions(prompt.size());
  for (size_t i = 0; i < prompt.size(); ++i)
    positions[i] = int32_t(i);
  Trace trace;
  LLMC_ASSIGN_OR_RETURN(trace.promptLogits,
                        interp.run(specialized ? "prefill" : "forward", prompt,
                                   positions, cache));
  for (size_t s = 0; s < reference.stepTokens.size(); ++s) {
    int32_t token = reference.stepTokens[s];
    int32_t position = int32_t(prompt.size() + s);
    size_t rows = specialized ? size_t(kMaxSlots) : 1;
    LLMC_ASSIGN_OR_RETURN(std::vector<float> logits,
                          interp.run(specialized ? "decode" : "forward",
                                     std::vector<int32_t>(rows, token),
                                     std::vector<int32_t>(rows, position),
                                     cache));
    logits.resize(size_t(interp.vocabSize())); // row 0
    trace.stepTokens.push_back(token);
    trace.stepLogits.push_back(std::move(logits));
  }
  return trace;
}

/// Number of `OpT` in the function `name` of `module`.
template <typename OpT>
int countOps(mlir::ModuleOp module, llvm::StringRef name) {
  auto func = module.lookupSymbol<mlir::func::FuncOp>(name);
  if (!func)
    return -1;
  int n = 0;
  func.walk([&](OpT) { ++n; });
  return n;
}

/// One pass (or the pipeline) under test, and what it must have changed in a
/// model of `layers` layers: the check guards against a pass that passes the
/// numerics by doing nothing.
struct PassCase {
  std::string name;
  std::function<void(mlir::OpPassManager &)> addPasses;
  std::function<void(mlir::ModuleOp, int64_t layers)> expectRewritten;
};

std::vector<PassCase> passCases() {
  using mlir::ModuleOp;
  return {
      {"llm-fuse-qkv",
       [](mlir::OpPassManager &pm) { pm.addPass(llm::createFuseQkvPass()); },
       [](ModuleOp m, int64_t layers) {
         EXPECT_EQ(countOps<llm::SplitOp>(m, "forward"), layers);
         EXPECT_EQ(countOps<llm::LinearOp>(m, "forward"), 5 * layers);
       }},
      {"llm-fuse-gate-up",
       [](mlir::OpPassManager &pm) { pm.addPass(llm::createFuseGateUpPass()); },
       [](ModuleOp m, int64_t layers) {
         EXPECT_EQ(countOps<llm::SplitOp>(m, "forward"), layers);
         EXPECT_EQ(countOps<llm::LinearOp>(m, "forward"), 6 * layers);
       }},
      {"llm-fuse-residual-norm",
       [](mlir::OpPassManager &pm) {
         pm.addNestedPass<mlir::func::FuncOp>(
             llm::createFuseResidualNormPass());
       },
       [](ModuleOp m, int64_t layers) {
         // Every residual add but the last (it feeds llm.logits).
         EXPECT_EQ(countOps<llm::AddRMSNormOp>(m, "forward"), 2 * layers - 1);
         EXPECT_EQ(countOps<llm::AddOp>(m, "forward"), 1);
       }},
      {"llm-fuse-epilogues",
       [](mlir::OpPassManager &pm) {
         pm.addNestedPass<mlir::func::FuncOp>(llm::createFuseEpiloguesPass());
       },
       [](ModuleOp m, int64_t layers) {
         // Alone, only the residual epilogues apply (nothing is merged yet).
         EXPECT_EQ(countOps<llm::LinearAddOp>(m, "forward"), 2 * layers);
         EXPECT_EQ(countOps<llm::AddOp>(m, "forward"), 0);
       }},
      {"llm-specialize-phase",
       [](mlir::OpPassManager &pm) {
         llm::SpecializePhasePassOptions options;
         options.maxSlots = kMaxSlots;
         pm.addPass(llm::createSpecializePhasePass(options));
       },
       [](ModuleOp m, int64_t layers) {
         EXPECT_FALSE(m.lookupSymbol("forward"));
         EXPECT_EQ(countOps<llm::AttentionOp>(m, "prefill"), layers);
         EXPECT_EQ(countOps<llm::AttentionOp>(m, "decode"), layers);
       }},
      {"llm-fusion-pipeline",
       [](mlir::OpPassManager &pm) {
         llmc::EngineShape options;
         options.maxSlots = kMaxSlots;
         llm::buildFusionPipeline(pm, options);
       },
       [](ModuleOp m, int64_t layers) {
         for (llvm::StringRef f : {"prefill", "decode"}) {
           EXPECT_EQ(countOps<llm::QKVRopeCacheOp>(m, f), layers) << f.str();
           EXPECT_EQ(countOps<llm::GateUpSwiGLUOp>(m, f), layers) << f.str();
           EXPECT_EQ(countOps<llm::AddRMSNormOp>(m, f), 2 * layers - 1)
               << f.str();
           EXPECT_EQ(countOps<llm::LinearAddOp>(m, f), 1) << f.str();
           EXPECT_EQ(countOps<llm::SplitOp>(m, f), 0) << f.str();
         }
       }},
  };
}

/// Runs every pass case on the module of `config` + `weights` and compares
/// its logits with the original module's.
void expectEveryPassKeepsLogits(const ModelConfig &config,
                                const WeightStore &weights,
                                const std::vector<int32_t> &prompt,
                                int decodeSteps) {
  mlir::MLIRContext context;
  auto module = buildModelModule(context, config, weights);
  ASSERT_TRUE(module.isOk()) << module.status().message();
  auto reference = runReference(**module, weights, prompt, decodeSteps);
  ASSERT_TRUE(reference.isOk()) << reference.status().message();

  for (const PassCase &pass : passCases()) {
    SCOPED_TRACE(pass.name);
    mlir::OwningOpRef<mlir::ModuleOp> transformed = (*module)->clone();
    mlir::PassManager pm(&context);
    pass.addPasses(pm);
    ASSERT_TRUE(mlir::succeeded(pm.run(*transformed)));
    pass.expectRewritten(*transformed, config.numLayers);

    auto trace = replay(*transformed, weights, prompt, *reference);
    ASSERT_TRUE(trace.isOk()) << trace.status().message();
    EXPECT_LT(relativeError(trace->promptLogits, reference->promptLogits),
              kTolerance)
        << "prompt";
    for (size_t s = 0; s < reference->stepLogits.size(); ++s)
      EXPECT_LT(relativeError(trace->stepLogits[s], reference->stepLogits[s]),
                kTolerance)
          << "decode step " << s;
  }
}

ModelConfig smallConfig() {
  ModelConfig c;
  c.name = "small";
  c.architecture = "LlamaForCausalLM";
  c.dim = 64;
  c.numLayers = 2;
  c.numHeads = 4;
  c.numKvHeads = 2;
  c.headDim = 16;
  c.ffnDim = 96;
  c.vocabSize = 50;
  c.maxSeqLen = 32;
  return c;
}

TEST(PassNumerics, GroupedQueryHalfSplitUntiedKeepsLogits) {
  ModelConfig config = smallConfig(); // 4 query heads over 2 KV heads
  LoadedModel model = makeSyntheticModel(config, /*seed=*/7);
  expectEveryPassKeepsLogits(config, model.weights, {1, 5, 9, 3, 17}, 3);
}

TEST(PassNumerics, FullAttentionInterleavedTiedKeepsLogits) {
  ModelConfig config = smallConfig();
  config.dim = 96;
  config.numHeads = 6;
  config.numKvHeads = 6;
  config.ropeStyle = RopeStyle::Interleaved;
  config.tieWordEmbeddings = true;
  config.numLayers = 3;
  LoadedModel model = makeSyntheticModel(config, /*seed=*/11);
  expectEveryPassKeepsLogits(config, model.weights, {2, 4, 8}, 3);
}

TEST(PassNumerics, Llama3RopeScalingKeepsLogits) {
  ModelConfig config = smallConfig();
  config.ropeTheta = 500000.0;
  config.ropeScaling.kind = RopeScaling::Kind::Llama3;
  config.ropeScaling.factor = 8.0;
  config.ropeScaling.originalMaxPositionEmbeddings = 16;
  LoadedModel model = makeSyntheticModel(config, /*seed=*/3);
  expectEveryPassKeepsLogits(config, model.weights, {4, 8, 15, 16, 23, 42}, 3);
}

// Qwen2: q/k/v biases merge into one #llm.concat bias of the fused QKV op.
TEST(PassNumerics, QkvBiasesKeepLogits) {
  ModelConfig config = smallConfig();
  config.architecture = "Qwen2ForCausalLM";
  config.qkvBias = true;
  config.ropeTheta = 1000000.0;
  config.tieWordEmbeddings = true;
  LoadedModel model = makeSyntheticModel(config, /*seed=*/13);
  expectEveryPassKeepsLogits(config, model.weights, {3, 1, 4, 1, 5}, 3);
}

// Qwen3: per-head q/k RMSNorm before RoPE, head_dim unrelated to dim / heads.
TEST(PassNumerics, QkNormWithWideHeadsKeepsLogits) {
  ModelConfig config = smallConfig();
  config.architecture = "Qwen3ForCausalLM";
  config.qkNorm = true;
  config.headDim = 32; // 4 heads * 32 = 128 > dim 64
  LoadedModel model = makeSyntheticModel(config, /*seed=*/17);
  // Norm scales of ones would hide a q/k mix-up: give them distinct values.
  WeightStore weights;
  uint64_t seed = 0;
  for (const std::string &name : model.weights.names()) {
    WeightTensor w = *model.weights.find(name);
    if (name.find("_norm.weight") != std::string::npos &&
        name.find("self_attn") != std::string::npos) {
      w.synthetic.kind = SyntheticSpec::Kind::Normal;
      w.synthetic.mean = 1.0f;
      w.synthetic.stddev = 0.3f;
      w.synthetic.seed = ++seed;
    }
    ASSERT_TRUE(weights.add(std::move(w)).isOk());
  }
  ASSERT_EQ(seed, uint64_t(2 * config.numLayers));
  expectEveryPassKeepsLogits(config, weights, {7, 6, 5, 4, 3, 2}, 3);
}

// Mistral: a sliding window shorter than the prompt plus the decode steps.
TEST(PassNumerics, SlidingWindowKeepsLogits) {
  ModelConfig config = smallConfig();
  config.architecture = "MistralForCausalLM";
  config.slidingWindow = 3;
  LoadedModel model = makeSyntheticModel(config, /*seed=*/19);
  expectEveryPassKeepsLogits(config, model.weights, {9, 8, 7, 6, 5, 4, 3}, 4);
}

TEST(PassNumerics, Stories15MKeepsLogits) {
  const char *cache = std::getenv("LLMC_MODEL_CACHE");
  const char *home = std::getenv("HOME");
  std::filesystem::path dir =
      cache ? std::filesystem::path(cache)
            : std::filesystem::path(home ? home : ".") / ".cache" / "llmc";
  std::filesystem::path checkpoint = dir / "stories15M" / "stories15M.bin";
  if (!std::filesystem::exists(checkpoint))
    GTEST_SKIP() << checkpoint << " is absent (scripts/fetch-model.sh)";
  auto loaded = loadModel(checkpoint.string(), LoadOptions());
  ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
  // "Once upon a time" after BOS.
  expectEveryPassKeepsLogits(loaded->config, loaded->weights,
                             {1, 9038, 2501, 263, 931}, 3);
}

// The oracle has teeth: a derived weight whose rows are in the wrong order
// (up before gate) runs fine but changes the logits far beyond the tolerance.
TEST(PassNumerics, DetectsGateAndUpRowsInTheWrongOrder) {
  ModelConfig config = smallConfig();
  LoadedModel model = makeSyntheticModel(config, /*seed=*/5);
  mlir::MLIRContext context;
  auto module = buildModelModule(context, config, model.weights);
  ASSERT_TRUE(module.isOk()) << module.status().message();
  std::vector<int32_t> prompt = {1, 2, 3, 4};
  auto reference = runReference(**module, model.weights, prompt, 1);
  ASSERT_TRUE(reference.isOk()) << reference.status().message();

  mlir::PassManager pm(&context);
  pm.addPass(llm::createFuseGateUpPass());
  ASSERT_TRUE(mlir::succeeded(pm.run(**module)));
  int swapped = 0;
  for (auto weight : (*module)->getOps<llm::WeightOp>()) {
    auto rows = llvm::dyn_cast_or_null<llm::InterleaveRowsAttr>(
        weight.getDerivationAttr());
    if (!rows)
      continue;
    auto sources = llvm::to_vector(rows.getSources());
    std::swap(sources[0], sources[1]);
    weight.setDerivationAttr(llm::InterleaveRowsAttr::get(
        &context, mlir::ArrayAttr::get(&context, sources)));
    ++swapped;
  }
  ASSERT_EQ(swapped, config.numLayers);
  ASSERT_TRUE(mlir::succeeded(mlir::verify(**module)));

  auto trace = replay(**module, model.weights, prompt, *reference);
  ASSERT_TRUE(trace.isOk()) << trace.status().message();
  EXPECT_GT(relativeError(trace->promptLogits, reference->promptLogits),
            1000 * kTolerance);
}

TEST(PassNumerics, DecodeRefusesAStepWithoutOneRowPerSlot) {
  ModelConfig config = smallConfig();
  LoadedModel model = makeSyntheticModel(config, /*seed=*/1);
  mlir::MLIRContext context;
  auto module = buildModelModule(context, config, model.weights);
  ASSERT_TRUE(module.isOk()) << module.status().message();
  mlir::PassManager pm(&context);
  llmc::EngineShape options;
  options.maxSlots = kMaxSlots;
  llm::buildFusionPipeline(pm, options);
  ASSERT_TRUE(mlir::succeeded(pm.run(**module)));
  auto interp = Interpreter::create(**module, model.weights, 1);
  ASSERT_TRUE(interp.isOk()) << interp.status().message();
  ref::KvCache cache = interp->createCache();
  auto logits = interp->run("decode", {1}, {0}, cache);
  ASSERT_FALSE(logits.isOk());
  EXPECT_NE(logits.status().message().find("takes exactly 4 tokens"),
            std::string::npos)
      << logits.status().message();
}

} // namespace
