// Canonical weight names: the Hugging Face LlamaForCausalLM names, used by
// every importer, the llm-dialect builder and the CPU reference alike.
#pragma once

#include <cstdint>
#include <string>

namespace llmc::weight_names {

inline std::string embedTokens() { return "model.embed_tokens.weight"; }
inline std::string finalNorm() { return "model.norm.weight"; }
/// Absent when the config ties word embeddings (logits reuse embedTokens()).
inline std::string lmHead() { return "lm_head.weight"; }

inline std::string layer(int64_t i, const char *suffix) {
  return "model.layers." + std::to_string(i) + "." + suffix;
}
inline std::string attnNorm(int64_t i) {
  return layer(i, "input_layernorm.weight");
}
inline std::string wq(int64_t i) { return layer(i, "self_attn.q_proj.weight"); }
inline std::string wk(int64_t i) { return layer(i, "self_attn.k_proj.weight"); }
inline std::string wv(int64_t i) { return layer(i, "self_attn.v_proj.weight"); }
inline std::string wo(int64_t i) { return layer(i, "self_attn.o_proj.weight"); }
inline std::string ffnNorm(int64_t i) {
  return layer(i, "post_attention_layernorm.weight");
}
inline std::string wGate(int64_t i) { return layer(i, "mlp.gate_proj.weight"); }
inline std::string wUp(int64_t i) { return layer(i, "mlp.up_proj.weight"); }
inline std::string wDown(int64_t i) { return layer(i, "mlp.down_proj.weight"); }

} // namespace llmc::weight_names
