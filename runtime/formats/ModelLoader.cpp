// Implementation of loadModel, makeSyntheticModel and checkWeights: format
// detection and the contract between a config and its weights.
#include "runtime/formats/ModelLoader.h"

#include "runtime/formats/Fp8Checkpoint.h"
#include "runtime/formats/HfConfig.h"
#include "runtime/formats/Llama2cCheckpoint.h"
#include "runtime/formats/Safetensors.h"
#include "runtime/model/WeightNames.h"

#include <filesystem>

namespace llmc {

namespace fs = std::filesystem;
namespace names = weight_names;

std::vector<CanonicalWeight> canonicalWeights(const ModelConfig &c) {
  std::vector<CanonicalWeight> weights;
  weights.push_back({names::embedTokens(), {c.vocabSize, c.dim}, false});
  for (int64_t l = 0; l < c.numLayers; ++l) {
    weights.push_back({names::attnNorm(l), {c.dim}, true});
    weights.push_back({names::wq(l), {c.qDim(), c.dim}, false});
    weights.push_back({names::wk(l), {c.kvDim(), c.dim}, false});
    weights.push_back({names::wv(l), {c.kvDim(), c.dim}, false});
    if (c.qkvBias) {
      weights.push_back({names::bq(l), {c.qDim()}, false});
      weights.push_back({names::bk(l), {c.kvDim()}, false});
      weights.push_back({names::bv(l), {c.kvDim()}, false});
    }
    if (c.qkNorm) {
      weights.push_back({names::qNorm(l), {c.headDim}, true});
      weights.push_back({names::kNorm(l), {c.headDim}, true});
    }
    weights.push_back({names::wo(l), {c.dim, c.qDim()}, false});
    weights.push_back({names::ffnNorm(l), {c.dim}, true});
    weights.push_back({names::wGate(l), {c.ffnDim, c.dim}, false});
    weights.push_back({names::wUp(l), {c.ffnDim, c.dim}, false});
    weights.push_back({names::wDown(l), {c.dim, c.ffnDim}, false});
  }
  weights.push_back({names::finalNorm(), {c.dim}, true});
  if (!c.tieWordEmbeddings)
    weights.push_back({names::lmHead(), {c.vocabSize, c.dim}, false});
  return weights;
}

namespace {

/// FNV-1a: a stable hash of a tensor name, so each tensor gets its own stream.
uint64_t hashName(const std::string &name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : name) {
    h ^= ch;
    h *= 0x100000001b3ull;
  }
  return h;
}

} // namespace

LoadedModel makeSyntheticModel(const ModelConfig &config, uint64_t seed) {
  LoadedModel model;
  model.config = config;
  for (CanonicalWeight &w : canonicalWeights(config)) {
    WeightTensor t;
    t.name = std::move(w.name);
    t.dtype = DType::BF16;
    t.shape = std::move(w.shape);
    t.isSynthetic = true;
    if (w.isNorm) {
      t.synthetic.kind = SyntheticSpec::Kind::Constant;
      t.synthetic.constant = 1.0f;
    } else {
      t.synthetic.kind = SyntheticSpec::Kind::Normal;
      t.synthetic.mean = 0.0f;
      t.synthetic.stddev = 0.02f;
      t.synthetic.seed = hashName(t.name) ^ (seed * 0x9e3779b97f4a7c15ull);
    }
    // Names are unique and synthetic tensors need no storage: cannot fail.
    (void)model.weights.add(std::move(t));
  }
  return model;
}

Status checkWeights(const ModelConfig &config, const WeightStore &weights,
                    const std::string &source) {
  std::string first;
  size_t problems = 0;
  for (const CanonicalWeight &w : canonicalWeights(config)) {
    const WeightTensor *t = weights.find(w.name);
    std::string problem;
    if (!t)
      problem = "missing tensor '" + w.name + "' (expected shape " +
                shapeToString(w.shape) + ")";
    else if (t->shape != w.shape)
      problem = "tensor '" + w.name + "' has shape " + shapeToString(t->shape) +
                ", expected " + shapeToString(w.shape);
    if (problem.empty())
      continue;
    if (problems++ == 0)
      first = problem;
  }
  if (problems == 0)
    return Status::ok();
  std::string more = problems > 1 ? " (and " + std::to_string(problems - 1) +
                                        " more weight problems)"
                                  : "";
  return Status::error(source + ": weights do not match the config of '" +
                       config.name + "': " + first + more);
}

namespace {

bool isFile(const fs::path &p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

/// Weights for an HF model directory that has a config.json.
Status loadHfWeights(const fs::path &dir, WeightStore &weights) {
  const fs::path single = dir / "model.safetensors";
  const fs::path index = dir / "model.safetensors.index.json";
  if (isFile(single))
    return loadSafetensors(single.string(), weights);
  if (isFile(index))
    return loadSafetensorsIndex(index.string(), weights);
  return Status::error(dir.string() +
                       ": has config.json but neither model.safetensors nor "
                       "model.safetensors.index.json (use synthetic weights "
                       "to run the config without weights)");
}

} // namespace

StatusOr<LoadedModel> loadModel(const std::string &path,
                                const LoadOptions &options) {
  std::error_code ec;
  const fs::path p(path);
  const fs::file_status status = fs::status(p, ec);
  if (!fs::exists(status))
    return Status::error(path + ": no such file or directory");
  if (p.extension() == ".mlir")
    return Status::error(path + ": an llm-dialect module is read by the "
                                "llm-dialect importer, not by loadModel");

  LoadedModel model;
  fs::path tokenizer; // the one beside the model, if it exists
  if (fs::is_directory(status)) {
    const fs::path configPath = p / "config.json";
    if (!isFile(configPath))
      return Status::error(path + ": directory has no config.json (expected a "
                                  "Hugging Face model directory)");
    LLMC_ASSIGN_OR_RETURN(ModelConfig config,
                          parseHfConfig(configPath.string()));
    if (options.syntheticWeights) {
      model = makeSyntheticModel(config, options.seed);
    } else {
      model.config = std::move(config);
      LLMC_RETURN_IF_ERROR(loadHfWeights(p, model.weights));
    }
    tokenizer = p / "tokenizer.json";
  } else if (p.extension() == ".json") {
    // A config alone describes shapes only: synthetic weights are implied.
    LLMC_ASSIGN_OR_RETURN(ModelConfig config, parseHfConfig(path));
    model = makeSyntheticModel(config, options.seed);
    tokenizer = p.parent_path() / "tokenizer.json";
  } else {
    LLMC_ASSIGN_OR_RETURN(Llama2cCheckpoint checkpoint,
                          loadLlama2cCheckpoint(path));
    if (options.syntheticWeights) {
      model = makeSyntheticModel(checkpoint.config, options.seed);
    } else {
      model.config = std::move(checkpoint.config);
      model.weights = std::move(checkpoint.weights);
    }
    tokenizer = p.parent_path() / "tokenizer.bin";
  }
  LLMC_RETURN_IF_ERROR(checkWeights(model.config, model.weights, path));
  // FP8 checkpoints: every scale is checked once, here, so that whoever reads
  // the weights later can trust them. The result is cheap to read again.
  auto fp8 =
      readFp8Weights(model.weights, model.config.weightQuantization, path);
  if (!fp8)
    return fp8.status();

  if (!options.tokenizerPath.empty()) {
    if (!isFile(options.tokenizerPath))
      return Status::error(options.tokenizerPath +
                           ": tokenizer file not found");
    model.tokenizerPath = options.tokenizerPath;
  } else if (isFile(tokenizer)) {
    model.tokenizerPath = tokenizer.string();
  }
  return model;
}

} // namespace llmc
