// ModelConfig <-> JSON for engine manifests.
#include "runtime/engine/ModelConfigJson.h"

#include <nlohmann/json.hpp>

namespace llmc {

using nlohmann::json;

static const char *ropeStyleName(RopeStyle style) {
  return style == RopeStyle::Interleaved ? "interleaved" : "half_split";
}

json toJson(const ModelConfig &c) {
  json scaling = nullptr;
  if (c.ropeScaling.kind == RopeScaling::Kind::Llama3)
    scaling = {
        {"kind", "llama3"},
        {"factor", c.ropeScaling.factor},
        {"low_freq_factor", c.ropeScaling.lowFreqFactor},
        {"high_freq_factor", c.ropeScaling.highFreqFactor},
        {"original_max_position", c.ropeScaling.originalMaxPositionEmbeddings}};
  return {{"name", c.name},
          {"architecture", c.architecture},
          {"dim", c.dim},
          {"num_layers", c.numLayers},
          {"num_heads", c.numHeads},
          {"num_kv_heads", c.numKvHeads},
          {"head_dim", c.headDim},
          {"ffn_dim", c.ffnDim},
          {"vocab_size", c.vocabSize},
          {"max_seq_len", c.maxSeqLen},
          {"norm_eps", c.normEps},
          {"rope_theta", c.ropeTheta},
          {"rope_style", ropeStyleName(c.ropeStyle)},
          {"rope_scaling", scaling},
          {"tie_word_embeddings", c.tieWordEmbeddings},
          {"qkv_bias", c.qkvBias},
          {"qk_norm", c.qkNorm},
          {"sliding_window", c.slidingWindow},
          {"bos_token_id", c.bosTokenId},
          {"eos_token_ids", c.eosTokenIds.empty()
                                ? std::vector<int64_t>{c.eosTokenId}
                                : c.eosTokenIds}};
}

static StatusOr<ModelConfig> parse(const json &j) {
  ModelConfig c;
  j.at("name").get_to(c.name);
  j.at("architecture").get_to(c.architecture);
  j.at("dim").get_to(c.dim);
  j.at("num_layers").get_to(c.numLayers);
  j.at("num_heads").get_to(c.numHeads);
  j.at("num_kv_heads").get_to(c.numKvHeads);
  j.at("head_dim").get_to(c.headDim);
  j.at("ffn_dim").get_to(c.ffnDim);
  j.at("vocab_size").get_to(c.vocabSize);
  j.at("max_seq_len").get_to(c.maxSeqLen);
  j.at("norm_eps").get_to(c.normEps);
  j.at("rope_theta").get_to(c.ropeTheta);
  std::string style = j.at("rope_style").get<std::string>();
  if (style == "interleaved")
    c.ropeStyle = RopeStyle::Interleaved;
  else if (style == "half_split")
    c.ropeStyle = RopeStyle::HalfSplit;
  else
    return Status::error("unknown rope_style '" + style + "'");
  const json &scaling = j.at("rope_scaling");
  if (!scaling.is_null()) {
    std::string kind = scaling.at("kind").get<std::string>();
    if (kind != "llama3")
      return Status::error("unknown rope_scaling kind '" + kind + "'");
    c.ropeScaling.kind = RopeScaling::Kind::Llama3;
    scaling.at("factor").get_to(c.ropeScaling.factor);
    scaling.at("low_freq_factor").get_to(c.ropeScaling.lowFreqFactor);
    scaling.at("high_freq_factor").get_to(c.ropeScaling.highFreqFactor);
    scaling.at("original_max_position")
        .get_to(c.ropeScaling.originalMaxPositionEmbeddings);
  }
  j.at("tie_word_embeddings").get_to(c.tieWordEmbeddings);
  j.at("qkv_bias").get_to(c.qkvBias);
  j.at("qk_norm").get_to(c.qkNorm);
  j.at("sliding_window").get_to(c.slidingWindow);
  j.at("bos_token_id").get_to(c.bosTokenId);
  j.at("eos_token_ids").get_to(c.eosTokenIds);
  if (c.eosTokenIds.empty())
    return Status::error("eos_token_ids is empty");
  c.eosTokenId = c.eosTokenIds.front();
  return c;
}

StatusOr<ModelConfig> modelConfigFromJson(const json &j,
                                          const std::string &source) {
  StatusOr<ModelConfig> config = Status::error("unparsed");
  try {
    config = parse(j);
  } catch (const json::exception &e) {
    return Status::error(source + ": malformed model config: " + e.what());
  }
  if (!config.isOk())
    return config.status().withContext(source + ": model config");
  LLMC_RETURN_IF_ERROR(config->validate(source));
  return config;
}

} // namespace llmc
