// Loading MODEL in any of its forms.
#include "compiler/Driver/ModelSource.h"

#include "compiler/Frontend/MlirNesting.h"
#include "dialects/LLM/IR/LLMDialect.h"
#include "dialects/LLM/IR/LLMOps.h"
#include "runtime/formats/ModelLoader.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <filesystem>

namespace llmc {

using namespace mlir;

namespace {

/// The shape of the llm.weight `name`, or empty when it is not declared.
std::vector<int64_t> weightShape(ModuleOp module, StringRef name) {
  for (auto weight : module.getOps<llm::WeightOp>())
    if (weight.getSymName() == name)
      return std::vector<int64_t>(weight.getType().getShape().begin(),
                                  weight.getType().getShape().end());
  return {};
}

/// Parses `path` into a module, with the parser's diagnostics as the error.
StatusOr<OwningOpRef<ModuleOp>> parseModule(const std::string &path,
                                            MLIRContext &context) {
  // Bounded before the recursive parser runs.
  LLMC_RETURN_IF_ERROR(checkMlirFileNesting(path).withContext(
      "cannot read the llm-dialect model"));
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  llvm::SourceMgr sources;
  SourceMgrDiagnosticHandler handler(sources, &context, os);
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(path, sources, ParserConfig(&context));
  if (!module || failed(verify(*module)))
    return Status::error("cannot read the llm-dialect model " + path +
                         (diagnostics.empty() ? "" : ":\n" + diagnostics));
  return module;
}

} // namespace

StatusOr<ModelConfig> configFromModule(ModuleOp module,
                                       const std::string &source) {
  auto fail = [&](const std::string &what) {
    return Status::error(source +
                         ": not a model module as the frontend "
                         "builds it: " +
                         what);
  };
  ModelConfig c;
  auto name = module->getAttrOfType<StringAttr>(llm::kModelNameAttrName);
  c.name = name ? name.str() : std::filesystem::path(source).stem().string();
  c.architecture = "LlamaForCausalLM";

  std::vector<int64_t> embed = weightShape(module, "model.embed_tokens.weight");
  if (embed.size() != 2)
    return fail("no 2-D weight model.embed_tokens.weight");
  c.vocabSize = embed[0];
  c.dim = embed[1];
  std::vector<int64_t> gate =
      weightShape(module, "model.layers.0.mlp.gate_proj.weight");
  if (gate.size() != 2)
    return fail("no 2-D weight model.layers.0.mlp.gate_proj.weight");
  c.ffnDim = gate[0];
  c.tieWordEmbeddings = weightShape(module, "lm_head.weight").empty();

  llm::KVCacheType cache;
  module.walk([&](func::FuncOp function) {
    for (Type type : function.getArgumentTypes())
      if (auto kv = dyn_cast<llm::KVCacheType>(type))
        cache = kv;
  });
  if (!cache)
    return fail("no function takes a !llm.kv_cache");
  c.numLayers = cache.getNumLayers();
  c.numKvHeads = cache.getNumKvHeads();
  c.headDim = cache.getHeadDim();
  c.maxSeqLen = cache.getMaxSeqLen();

  // The query rotation is the one with the most heads.
  llm::RopeOp rope;
  module.walk([&](llm::RopeOp op) {
    if (!rope || op.getNumHeads() > rope.getNumHeads())
      rope = op;
  });
  if (!rope)
    return fail("no llm.rope");
  c.numHeads = rope.getNumHeads();
  c.ropeTheta = rope.getTheta();
  c.ropeStyle = rope.getStyle() == llm::RopeStyle::Interleaved
                    ? RopeStyle::Interleaved
                    : RopeStyle::HalfSplit;
  if (std::optional<llm::RopeScalingAttr> scaling = rope.getScaling()) {
    c.ropeScaling.kind = RopeScaling::Kind::Llama3;
    c.ropeScaling.factor = scaling->getFactor().convertToDouble();
    c.ropeScaling.lowFreqFactor = scaling->getLowFreqFactor().convertToDouble();
    c.ropeScaling.highFreqFactor =
        scaling->getHighFreqFactor().convertToDouble();
    c.ropeScaling.originalMaxPositionEmbeddings =
        scaling->getOriginalMaxPosition();
  }
  llm::RMSNormOp norm;
  module.walk([&](llm::RMSNormOp op) {
    if (!norm)
      norm = op;
  });
  if (!norm)
    return fail("no llm.rms_norm");
  c.normEps = norm.getEps();
  c.eosTokenIds = {c.eosTokenId};
  LLMC_RETURN_IF_ERROR(c.validate(source));
  return c;
}

StatusOr<ModelSource> loadModelSource(const std::string &path,
                                      const std::string &tokenizerPath,
                                      bool syntheticWeights,
                                      MLIRContext &context) {
  ModelSource source;
  if (std::filesystem::path(path).extension() != ".mlir") {
    LoadOptions options;
    options.tokenizerPath = tokenizerPath;
    options.syntheticWeights = syntheticWeights;
    LLMC_ASSIGN_OR_RETURN(LoadedModel loaded, loadModel(path, options));
    source.config = loaded.config;
    source.weights = std::move(loaded.weights);
    source.tokenizerPath = loaded.tokenizerPath;
    // A config.json alone implies synthetic weights.
    source.syntheticWeights =
        syntheticWeights || std::filesystem::path(path).extension() == ".json";
    return source;
  }
  if (!std::filesystem::exists(path))
    return Status::error(path + ": no such file");
  LLMC_ASSIGN_OR_RETURN(source.module, parseModule(path, context));
  LLMC_ASSIGN_OR_RETURN(source.config, configFromModule(*source.module, path));
  source.weights = makeSyntheticModel(source.config, /*seed=*/0).weights;
  source.syntheticWeights = true;
  if (!tokenizerPath.empty()) {
    if (!std::filesystem::exists(tokenizerPath))
      return Status::error("tokenizer " + tokenizerPath + " does not exist");
    source.tokenizerPath = tokenizerPath;
  }
  return source;
}

} // namespace llmc
