// ModelConfig: the hyper-parameters of a LLaMA-family decoder, independent of
// the format it was read from (HF config.json, a llama2.c header, an
// llm-dialect module).
//
// Every importer fills one of these, validate() checks it once, and everything
// downstream (the llm-dialect builder, the CPU reference, later the compiler
// and the runtime) trusts it.
#pragma once

#include "runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmc {

/// Which element pairs RoPE rotates within one head of `head_dim` elements.
enum class RopeStyle {
  /// Pairs (2i, 2i+1): llama2.c checkpoints and Meta's original code.
  Interleaved,
  /// Pairs (i, i + head_dim/2): Hugging Face checkpoints ("rotate_half").
  HalfSplit,
};

/// Frequency scaling applied to RoPE's inverse frequencies.
struct RopeScaling {
  enum class Kind { None, Llama3 };
  Kind kind = Kind::None;
  // Llama 3.1 "llama3" scaling (HF rope_scaling.rope_type == "llama3").
  double factor = 1.0;
  double lowFreqFactor = 1.0;
  double highFreqFactor = 4.0;
  int64_t originalMaxPositionEmbeddings = 8192;
};

/// How a checkpoint's linear weights are quantized (HF quantization_config).
/// FP8 weights are E4M3 codes [N, K] with a scale per tensor or per output
/// channel (runtime/formats/Fp8Checkpoint.h reads them); the rest of the
/// model (embeddings, norms, usually lm_head) stays in its float dtype.
struct WeightQuantization {
  enum class Scheme { None, Fp8PerTensor, Fp8PerChannel };
  Scheme scheme = Scheme::None;
  /// Each quantized linear has a calibrated activation scale (X.input_scale);
  /// otherwise activations, if quantized at all, are scaled per token at run
  /// time.
  bool staticInputScale = false;
  /// quantization_config.quant_method, for messages.
  std::string method;
  /// Modules the checkpoint leaves unquantized, as its config spells them
  /// (e.g. "lm_head", or compressed-tensors' "re:..." patterns).
  std::vector<std::string> ignoredModules;
};

/// The largest value each integer hyper-parameter may take. Every real model
/// stays far below (Llama 3.1 405B: dim 16384, 126 layers, ffn 53248, vocab
/// 128256, context 131072); the limits keep every derived size (weights,
/// KV cache, arena offsets) representable, and refuse an absurd file before
/// anything is allocated for it. Importers check their own field names
/// against these before ModelConfig::validate checks them again.
struct ConfigLimits {
  static constexpr int64_t kMaxDim = int64_t(1) << 16;
  static constexpr int64_t kMaxLayers = 1024;
  static constexpr int64_t kMaxHeads = 1024;
  static constexpr int64_t kMaxHeadDim = 1024;
  static constexpr int64_t kMaxFfnDim = int64_t(1) << 18;
  static constexpr int64_t kMaxVocab = int64_t(1) << 22;
  static constexpr int64_t kMaxSeqLen = int64_t(1) << 22;
  /// Parameters of the whole model (a 4-trillion-parameter ceiling).
  static constexpr int64_t kMaxParameters = int64_t(1) << 42;
};

/// Checks `value` of field `field` (named as the caller's format spells it)
/// against 1..maximum; the message says which limit it broke.
Status checkConfigRange(const std::string &field, int64_t value,
                        int64_t maximum);

struct ModelConfig {
  std::string name;         ///< e.g. "stories15M", for messages and engines
  std::string architecture; ///< e.g. "LlamaForCausalLM"
  int64_t dim = 0;          ///< hidden size
  int64_t numLayers = 0;
  int64_t numHeads = 0;   ///< query heads
  int64_t numKvHeads = 0; ///< key/value heads (GQA when < numHeads)
  int64_t headDim = 0;    ///< usually dim / numHeads
  int64_t ffnDim = 0;     ///< SwiGLU hidden size
  int64_t vocabSize = 0;
  int64_t maxSeqLen = 0; ///< context length
  double normEps = 1e-5;
  double ropeTheta = 10000.0;
  RopeStyle ropeStyle = RopeStyle::HalfSplit;
  RopeScaling ropeScaling;
  bool tieWordEmbeddings = false; ///< logits reuse the embedding table
  /// q, k and v projections add a bias (Qwen2): weights bq, bk, bv.
  bool qkvBias = false;
  /// Every head of q and k is RMS-normalized (eps normEps, a learned
  /// [headDim] scale) before RoPE (Qwen3): weights qNorm, kNorm.
  bool qkNorm = false;
  /// Sliding-window attention (Mistral): a query at position p attends to the
  /// keys at positions (p - slidingWindow, p]. 0 means full causal attention.
  int64_t slidingWindow = 0;
  int64_t bosTokenId = 1;
  int64_t eosTokenId = 2;
  /// Every id that ends a sequence (HF eos_token_id may be a list, e.g. Llama 3
  /// Instruct); eosTokenId is its first element. Empty means {eosTokenId}.
  std::vector<int64_t> eosTokenIds;
  /// None for float checkpoints; set from an HF quantization_config.
  WeightQuantization weightQuantization;

  /// Checks that the dimensions are positive, within ConfigLimits (the
  /// parameter count included, computed without overflow) and consistent (heads
  /// divide evenly, head_dim even, GQA groups whole), that eps, theta and RoPE
  /// scaling are usable and that the special token ids lie inside the
  /// vocabulary. The message names `source` (a file).
  Status validate(const std::string &source) const;

  /// Dims of the fused QKV projection output: (numHeads + 2*numKvHeads) *
  /// headDim.
  int64_t qDim() const { return numHeads * headDim; }
  int64_t kvDim() const { return numKvHeads * headDim; }

  /// Total parameter count implied by the shapes (lm_head counted only when the
  /// embeddings are not tied).
  int64_t parameterCount() const;
};

} // namespace llmc
