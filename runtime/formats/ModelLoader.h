// loadModel: one entry point that turns a path into a model description and its
// weights, whatever the format (HF directory, config.json alone, llama2.c
// file), plus synthetic (seeded random) weights for performance work on real
// shapes.
//
// An llm-dialect `.mlir` file is also a model description, but reading one
// needs MLIR; the llm-dialect importer handles it before calling here.
#pragma once

#include "runtime/Status.h"
#include "runtime/model/ModelConfig.h"
#include "runtime/model/WeightStore.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmc {

struct LoadOptions {
  /// Tokenizer file to use; empty means "look beside the model".
  std::string tokenizerPath;
  /// Replace the weights with synthetic ones (only the config is read).
  bool syntheticWeights = false;
  /// Seed of the synthetic weights.
  uint64_t seed = 0;
};

struct LoadedModel {
  ModelConfig config;
  WeightStore weights;
  /// tokenizer.json / tokenizer.bin found for the model; empty when none.
  std::string tokenizerPath;
};

/// Loads the model at `path`:
///  - a directory: config.json plus model.safetensors or (sharded)
///    model.safetensors.index.json; with syntheticWeights only config.json is
///    read. tokenizer.json in the directory becomes the tokenizer;
///  - a `.json` file: an HF config.json; synthetic weights are implied and a
///    tokenizer.json beside it is used;
///  - any other file: a llama2.c checkpoint; tokenizer.bin beside it is used.
/// options.tokenizerPath, when set, overrides the search (and must exist). The
/// weights are checked against the config with checkWeights, and the FP8
/// weights of a checkpoint with an FP8 quantization_config against their
/// scales with readFp8Weights (Fp8Checkpoint.h).
StatusOr<LoadedModel> loadModel(const std::string &path,
                                const LoadOptions &options);

/// A model with the config's exact shapes whose every canonical weight is a
/// synthetic bf16 tensor: norm weights constant 1, embeddings and projections
/// N(0, 0.02) (transformers' initializer_range for Llama: with RMSNorm before
/// every projection the activations stay O(1) at any depth, and logits stay
/// small enough for sampling to be meaningful). Each tensor has its own seed
/// derived from `seed` and its name. Nothing is allocated: values exist only
/// when read. tokenizerPath is empty.
LoadedModel makeSyntheticModel(const ModelConfig &config, uint64_t seed);

/// One weight the graph of a config needs.
struct CanonicalWeight {
  std::string name; ///< WeightNames.h spelling
  std::vector<int64_t> shape;
  bool isNorm; ///< an RMSNorm scale (a vector of ones when synthetic)
};

/// Every weight of `config`'s graph, in execution order: embeddings, per layer
/// (input norm, q, k, v, [q/k/v biases], [q/k norms], o, post-attention norm,
/// gate, up, down), final norm,
/// lm_head (only when embeddings are not tied). Linear weights are [out, in].
std::vector<CanonicalWeight> canonicalWeights(const ModelConfig &config);

/// Checks that every canonical tensor of `config` is in `weights` with the
/// right shape (lm_head only when embeddings are not tied); extra tensors are
/// allowed. Messages name `source`, the tensor, and the expected and actual
/// shapes.
Status checkWeights(const ModelConfig &config, const WeightStore &weights,
                    const std::string &source);

} // namespace llmc
