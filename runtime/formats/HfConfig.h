// Reads a Hugging Face `config.json` into a ModelConfig.
//
// Supported architectures share one graph with per-family variants:
// LlamaForCausalLM (incl. 3.1/3.2 llama3 RoPE scaling and tied embeddings),
// MistralForCausalLM (sliding-window attention), Qwen2ForCausalLM (q/k/v
// biases) and Qwen3ForCausalLM (per-head q/k RMSNorm, explicit head_dim). The
// reader checks every field it uses for presence and JSON type, and refuses
// settings that would change the graph otherwise (another activation, an
// o_proj or MLP bias, experts, soft-capping, partial RoPE, another RoPE
// scaling, a sliding window on some layers only), naming the architecture and
// the field, so a config that parses is one we can build.
#pragma once

#include "runtime/Status.h"
#include "runtime/model/ModelConfig.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace llmc {

/// The `architectures` values parseHfConfig accepts.
const std::vector<std::string> &supportedHfArchitectures();

/// Parses the config.json at `path`. Required: hidden_size, num_hidden_layers,
/// num_attention_heads, intermediate_size, vocab_size, max_position_embeddings,
/// rms_norm_eps. Defaults follow transformers' LlamaConfig: num_key_value_heads
/// = heads, head_dim = hidden / heads, rope_theta 10000, no rope_scaling
/// (transformers 5's rope_parameters is read in place of both),
/// tie_word_embeddings false, bos 1, eos 2 (eos_token_id may be a list; the
/// first becomes eosTokenId, all of them eosTokenIds). RoPE style is HalfSplit;
/// `name` is the name of the directory holding the file. A sliding window on
/// every layer (Mistral's sliding_window; Qwen's use_sliding_window with
/// max_window_layers 0, or layer_types) smaller than the context becomes
/// slidingWindow. Errors name the file, the architecture (once read) and the
/// field; integer fields are checked against ConfigLimits under their
/// config.json names. quantization_config becomes weightQuantization (see
/// HfQuantizationConfig.h).
StatusOr<ModelConfig> parseHfConfig(const std::string &path);

/// parseHfConfig on an already parsed document; `path` names it in messages
/// and gives the model its name.
StatusOr<ModelConfig> parseHfConfigJson(const nlohmann::json &root,
                                        const std::string &path);

} // namespace llmc
