// The kernel pipeline on real model shapes (stories15M; Llama-3-8B from its
// config.json, grouped-query attention and half-split RoPE): memory planning
// never lets two tensors that are live at the same time share a byte, gives
// each tensor one slice of its exact size, and needs less than the sum of
// all tensors; and the 32 layers of a large model share a handful of kernels.
//
// Liveness is recomputed here from the launches, independently of
// llm-plan-memory: a tensor lives from the launch that writes it to the last
// launch that reads it (to the end when the function returns it), and a
// result tied to an operand is the operand's buffer.
#include "compiler/Frontend/ModuleBuilder.h"
#include "dialects/Kernel/IR/KernelOps.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"
#include "runtime/formats/ModelLoader.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/DenseMap.h"

#include <gtest/gtest.h>

#include <set>

using namespace llmc;
namespace kernel = mlir::kernel;

namespace {

ModelConfig stories15MConfig() {
  ModelConfig config;
  config.name = "stories15M";
  config.architecture = "LlamaForCausalLM";
  config.dim = 288;
  config.numLayers = 6;
  config.numHeads = 6;
  config.numKvHeads = 6;
  config.headDim = 48;
  config.ffnDim = 768;
  config.vocabSize = 32000;
  config.maxSeqLen = 256;
  config.ropeStyle = RopeStyle::Interleaved;
  config.tieWordEmbeddings = true;
  return config;
}

ModelConfig exampleConfig(const std::string &model) {
  std::string path = std::string(LLMC_SOURCE_DIR) + "/examples/configs/" +
                     model + "/config.json";
  StatusOr<LoadedModel> loaded = loadModel(path, LoadOptions());
  EXPECT_TRUE(loaded.isOk()) << loaded.status().message();
  return loaded.isOk() ? loaded->config : ModelConfig();
}

/// Which SSA value each operand/result binding of each launch named, before
/// memory planning replaced the bindings by arena slices.
using BoundValues = llvm::DenseMap<mlir::Operation *,
                                   std::vector<std::pair<size_t, mlir::Value>>>;

/// A model module after the whole kernel pipeline, and what its launches
/// bound before planning.
struct Compiled {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  BoundValues bound;
};

Compiled compile(mlir::MLIRContext &context, const ModelConfig &config,
                 const EngineShape &options) {
  Compiled compiled;
  LoadedModel model = makeSyntheticModel(config, /*seed=*/1);
  auto module = buildModelModule(context, config, model.weights);
  EXPECT_TRUE(module.isOk()) << module.status().message();
  if (!module.isOk())
    return compiled;
  compiled.module = std::move(*module);

  // Up to outlining: what the bindings name.
  mlir::PassManager outline(&context);
  mlir::llm::buildFusionPipeline(outline, options);
  mlir::llm::OutlineKernelsPassOptions outlineOptions;
  outlineOptions.maxSlots = options.maxSlots;
  outlineOptions.maxPrefillTokens = options.maxPrefillTokens;
  outlineOptions.kvBlockSize = options.kvBlockSize;
  outline.addPass(mlir::llm::createOutlineKernelsPass(outlineOptions));
  EXPECT_TRUE(mlir::succeeded(outline.run(*compiled.module)));
  compiled.module->walk([&](kernel::LaunchOp launch) {
    for (auto [position, binding] : llvm::enumerate(launch.getArgs())) {
      if (auto operand = mlir::dyn_cast<kernel::OperandAttr>(binding))
        compiled.bound[launch].push_back(
            {position, launch.getOperand(operand.getIndex())});
      else if (auto result = mlir::dyn_cast<kernel::ResultAttr>(binding))
        compiled.bound[launch].push_back(
            {position, launch.getResult(result.getIndex())});
    }
  });

  mlir::PassManager plan(&context);
  plan.addNestedPass<mlir::func::FuncOp>(mlir::llm::createPlanMemoryPass());
  EXPECT_TRUE(mlir::succeeded(plan.run(*compiled.module)));
  return compiled;
}

/// One buffer of a phase as the test sees it.
struct Buffer {
  int64_t firstStep = 0, lastStep = 0;
  int64_t bytes = 0;
  std::optional<kernel::ArenaAttr> slice;
};

/// Checks the plan of one phase function against liveness computed here.
void expectSoundPlan(mlir::func::FuncOp func, const BoundValues &bound) {
  SCOPED_TRACE("@" + func.getSymName().str());
  auto maxRows =
      func->getAttrOfType<mlir::IntegerAttr>(kernel::kMaxRowsAttrName);
  auto arenaBytes =
      func->getAttrOfType<mlir::IntegerAttr>(kernel::kArenaBytesAttrName);
  ASSERT_TRUE(maxRows && arenaBytes);

  std::vector<Buffer> buffers;
  llvm::DenseMap<mlir::Value, size_t> bufferOf;
  int64_t step = 0;
  for (mlir::Operation &op : func.getBody().front()) {
    // Steps count every op (the return too), as llm-plan-memory does.
    int64_t current = step++;
    for (mlir::Value operand : op.getOperands())
      if (bufferOf.count(operand))
        buffers[bufferOf[operand]].lastStep = current;
    if (auto launch = mlir::dyn_cast<kernel::LaunchOp>(op)) {
      for (mlir::OpResult result : launch->getResults()) {
        auto type = mlir::dyn_cast<mlir::RankedTensorType>(result.getType());
        if (!type)
          continue;
        if (mlir::Value tied =
                launch.getTiedOperand(result.getResultNumber())) {
          bufferOf[result] = bufferOf.lookup(tied);
          continue;
        }
        int64_t elements = 1;
        for (int64_t dim : type.getShape())
          elements *= mlir::ShapedType::isDynamic(dim) ? maxRows.getInt() : dim;
        bufferOf[result] = buffers.size();
        buffers.push_back({current,
                           current,
                           elements * type.getElementTypeBitWidth() / 8,
                           {}});
      }
      // Every binding of a value names its buffer's one slice.
      auto it = bound.find(launch);
      if (it == bound.end())
        continue;
      for (auto [position, value] : it->second) {
        auto slice =
            mlir::dyn_cast<kernel::ArenaAttr>(launch.getArgs()[position]);
        ASSERT_TRUE(slice) << "argument " << position << " of "
                           << launch.getKernel().str() << " was not planned";
        Buffer &buffer = buffers[bufferOf.lookup(value)];
        if (buffer.slice) {
          EXPECT_EQ(*buffer.slice, slice) << launch.getKernel().str();
        }
        buffer.slice = slice;
      }
    }
  }

  int64_t sum = 0;
  for (size_t i = 0; i < buffers.size(); ++i) {
    const Buffer &a = buffers[i];
    ASSERT_TRUE(a.slice) << "buffer " << i << " is never bound";
    EXPECT_EQ(a.slice->getBytes(), a.bytes);
    EXPECT_LE(a.slice->getEnd(), arenaBytes.getInt());
    sum += a.bytes;
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      const Buffer &b = buffers[j];
      bool liveTogether =
          a.firstStep <= b.lastStep && b.firstStep <= a.lastStep;
      if (liveTogether) {
        EXPECT_FALSE(a.slice->overlaps(*b.slice))
            << "buffers " << i << " (offset " << a.slice->getOffset()
            << ") and " << j << " (offset " << b.slice->getOffset()
            << ") are live together at steps [" << a.firstStep << ", "
            << a.lastStep << "] and [" << b.firstStep << ", " << b.lastStep
            << "]";
      }
    }
  }
  if (buffers.size() > 1) {
    EXPECT_LT(arenaBytes.getInt(), sum) << "the arena reuses nothing";
  }
}

/// The distinct kernel names of a phase.
std::set<std::string> kernelNames(mlir::func::FuncOp func) {
  std::set<std::string> names;
  func.walk(
      [&](kernel::LaunchOp launch) { names.insert(launch.getKernel().str()); });
  return names;
}

void expectSoundPlans(const ModelConfig &config, const EngineShape &options) {
  mlir::MLIRContext context;
  loadModelDialects(context);
  Compiled compiled = compile(context, config, options);
  ASSERT_TRUE(compiled.module);
  for (const char *phase : {"prefill", "decode", "sample"}) {
    auto func = compiled.module->lookupSymbol<mlir::func::FuncOp>(phase);
    ASSERT_TRUE(func) << phase;
    expectSoundPlan(func, compiled.bound);
  }
}

TEST(KernelPipeline, PlansStories15MWithoutOverlappingLiveTensors) {
  EngineShape options;
  options.maxPrefillTokens = 256;
  expectSoundPlans(stories15MConfig(), options);
}

TEST(KernelPipeline, PlansLlama3_8BWithoutOverlappingLiveTensors) {
  EngineShape options;
  options.maxSlots = 40; // beyond 32: tensor-core decode projections
  options.maxPrefillTokens = 2048;
  options.kvBlockSize = 32;
  expectSoundPlans(exampleConfig("llama-3-8b"), options);
}

TEST(KernelPipeline, LayersShareTheirKernels) {
  mlir::MLIRContext context;
  loadModelDialects(context);
  EngineShape options;
  Compiled compiled = compile(context, exampleConfig("llama-3-8b"), options);
  ASSERT_TRUE(compiled.module);
  auto decode = compiled.module->lookupSymbol<mlir::func::FuncOp>("decode");
  ASSERT_TRUE(decode);
  int launches = 0;
  decode.walk([&](kernel::LaunchOp) { ++launches; });
  // Per layer: the norm that opens it (fused with the previous residual add
  // after layer 0), qkv, attention (2), o_proj, add + norm, gate/up, down;
  // plus the embedding, the final norm and the head.
  EXPECT_EQ(launches, 32 * 8 + 3);
  EXPECT_EQ(kernelNames(decode),
            (std::set<std::string>{
                "decode_add_rms_norm", "decode_attention_partition",
                "decode_attention_reduce", "decode_embed",
                "decode_gate_up_swiglu", "decode_linear_4096x14336",
                "decode_linear_4096x4096", "decode_linear_add", "decode_logits",
                "decode_qkv_rope_cache", "decode_rms_norm"}));
}

TEST(KernelPipeline, QkvLaunchesCarryWhatTheRopeTableIsComputedFrom) {
  mlir::MLIRContext context;
  loadModelDialects(context);
  Compiled compiled =
      compile(context, exampleConfig("llama-3.1-8b"), EngineShape());
  ASSERT_TRUE(compiled.module);
  int qkvLaunches = 0;
  compiled.module->walk([&](kernel::LaunchOp launch) {
    if (launch.getEpilogue() != "RopeKvWrite")
      return;
    ++qkvLaunches;
    mlir::DictionaryAttr constants = launch.getConstantsAttr();
    auto number = [&](llvm::StringRef name) {
      auto value = constants.getAs<mlir::FloatAttr>(name);
      return value ? value.getValueAsDouble() : -1.0;
    };
    EXPECT_EQ(number("rope_theta"), 500000.0);
    EXPECT_EQ(number("rope_scaling_factor"), 8.0);
    EXPECT_EQ(number("rope_low_freq_factor"), 1.0);
    EXPECT_EQ(number("rope_high_freq_factor"), 4.0);
    auto original =
        constants.getAs<mlir::IntegerAttr>("rope_original_max_position");
    ASSERT_TRUE(original);
    EXPECT_EQ(original.getInt(), 8192);
  });
  EXPECT_EQ(qkvLaunches, 2 * 32); // prefill and decode
}

} // namespace
