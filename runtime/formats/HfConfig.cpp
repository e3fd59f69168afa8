// Implementation of parseHfConfig: field-by-field reading of a Hugging Face
// config.json with messages that name the file, the field and what was wrong.
#include "runtime/formats/HfConfig.h"

#include "runtime/files/JsonFile.h"
#include "runtime/formats/HfQuantizationConfig.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>

namespace llmc {

using nlohmann::json;

const std::vector<std::string> &supportedHfArchitectures() {
  static const std::vector<std::string> kArchitectures = {
      "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM",
      "Qwen3ForCausalLM"};
  return kArchitectures;
}

namespace {

/// Reads typed fields out of JSON objects, reporting errors as
/// "<file>: field '<dotted.name>' <problem>". Absent and null fields are
/// treated alike: HF writes `null` for "use the default".
class FieldReader {
public:
  explicit FieldReader(const std::string &path) : path_(path) {}

  /// Once known, the architecture is named in every message: whether a field
  /// is supported depends on it.
  void setArchitecture(const std::string &architecture) {
    architecture_ = architecture;
  }

  Status error(const std::string &field, const std::string &problem) const {
    std::string where =
        architecture_.empty() ? path_ : path_ + ": " + architecture_;
    return Status::error(where + ": field '" + field + "' " + problem);
  }

  /// The value of `obj[key]`, or nullptr when absent or null.
  static const json *lookup(const json &obj, const std::string &key) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
      return nullptr;
    return &*it;
  }

  /// Integer field `prefix + key` in [minimum, maximum]. Leaves `out` alone
  /// when an optional field is absent.
  Status integer(const json &obj, const std::string &prefix,
                 const std::string &key, bool required, int64_t &out,
                 int64_t minimum = 1,
                 int64_t maximum = std::numeric_limits<int64_t>::max()) const {
    std::string field = prefix + key;
    const json *value = lookup(obj, key);
    if (!value)
      return required ? error(field, "is missing (required)") : Status::ok();
    LLMC_ASSIGN_OR_RETURN(out, asInteger(*value, field));
    if (out < minimum)
      return error(field, "must be at least " + std::to_string(minimum) +
                              ", got " + std::to_string(out));
    if (out > maximum)
      return error(field, "is " + std::to_string(out) +
                              ", more than the limit of " +
                              std::to_string(maximum));
    return Status::ok();
  }

  /// Converts one JSON value to int64, refusing other types and overflow.
  StatusOr<int64_t> asInteger(const json &value,
                              const std::string &field) const {
    if (value.is_number_unsigned()) {
      if (value.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
        return error(field, "is out of range: " + value.dump());
      return int64_t(value.get<uint64_t>());
    }
    if (value.is_number_integer())
      return value.get<int64_t>();
    return error(field, "must be an integer, got " + describeJsonType(value) +
                            " (" + value.dump() + ")");
  }

  /// Numeric field (integer or floating point).
  Status number(const json &obj, const std::string &prefix,
                const std::string &key, bool required, double &out) const {
    std::string field = prefix + key;
    const json *value = lookup(obj, key);
    if (!value)
      return required ? error(field, "is missing (required)") : Status::ok();
    if (!value->is_number())
      return error(field, "must be a number, got " + describeJsonType(*value) +
                              " (" + value->dump() + ")");
    out = value->get<double>();
    return Status::ok();
  }

  Status boolean(const json &obj, const std::string &key, bool &out) const {
    const json *value = lookup(obj, key);
    if (!value)
      return Status::ok();
    if (!value->is_boolean())
      return error(key, "must be a boolean, got " + describeJsonType(*value) +
                            " (" + value->dump() + ")");
    out = value->get<bool>();
    return Status::ok();
  }

  /// String field; `out` is left alone when absent.
  Status string(const json &obj, const std::string &prefix,
                const std::string &key, std::string &out) const {
    const json *value = lookup(obj, key);
    if (!value)
      return Status::ok();
    if (!value->is_string())
      return error(prefix + key, "must be a string, got " +
                                     describeJsonType(*value) + " (" +
                                     value->dump() + ")");
    out = value->get<std::string>();
    return Status::ok();
  }

private:
  const std::string &path_;
  std::string architecture_;
};

std::string joined(const std::vector<std::string> &items) {
  std::string s;
  for (const std::string &item : items)
    s += (s.empty() ? "" : ", ") + item;
  return s;
}

/// The architecture from `architectures[0]`, or from `model_type` for configs
/// written without the list.
StatusOr<std::string> readArchitecture(const json &root,
                                       const FieldReader &fields) {
  const auto &supported = supportedHfArchitectures();
  std::string architecture;
  if (const json *list = FieldReader::lookup(root, "architectures")) {
    if (!list->is_array() || list->empty() || !(*list)[0].is_string())
      return fields.error("architectures",
                          "must be a non-empty array of strings, got " +
                              list->dump());
    architecture = (*list)[0].get<std::string>();
  } else {
    std::string modelType;
    LLMC_RETURN_IF_ERROR(fields.string(root, "", "model_type", modelType));
    if (modelType == "llama")
      architecture = "LlamaForCausalLM";
    else if (modelType == "mistral")
      architecture = "MistralForCausalLM";
    else if (modelType == "qwen2")
      architecture = "Qwen2ForCausalLM";
    else if (modelType == "qwen3")
      architecture = "Qwen3ForCausalLM";
    else
      return fields.error("architectures",
                          "is missing and model_type '" + modelType +
                              "' names no supported architecture (supported: " +
                              joined(supported) + ")");
  }
  for (const std::string &s : supported)
    if (s == architecture)
      return architecture;
  return fields.error("architectures",
                      "names unsupported architecture '" + architecture +
                          "' (supported: " + joined(supported) + ")");
}

/// RoPE: rope_theta and rope_scaling, or the rope_parameters object that
/// transformers 5 writes instead (rope_type, rope_theta and the scaling
/// fields in one place).
Status readRope(const json &root, const FieldReader &fields,
                ModelConfig &config) {
  LLMC_RETURN_IF_ERROR(
      fields.number(root, "", "rope_theta", false, config.ropeTheta));
  std::string field = "rope_scaling";
  const json *value = FieldReader::lookup(root, field);
  if (!value && FieldReader::lookup(root, "rope_parameters")) {
    field = "rope_parameters";
    value = FieldReader::lookup(root, field);
    if (value->is_object())
      LLMC_RETURN_IF_ERROR(fields.number(*value, field + ".", "rope_theta",
                                         false, config.ropeTheta));
  }
  if (!value)
    return Status::ok();
  if (!value->is_object())
    return fields.error(field, "must be an object or null, got " +
                                   describeJsonType(*value));
  const std::string prefix = field + ".";
  // Newer transformers write rope_type, older ones type.
  std::string key = value->contains("rope_type") ? "rope_type" : "type";
  std::string type;
  LLMC_RETURN_IF_ERROR(fields.string(*value, prefix, key, type));
  if (type.empty())
    return fields.error(prefix + "rope_type", "is missing (required when " +
                                                  field + " is an object)");
  if (type == "default")
    return Status::ok();
  if (type != "llama3")
    return fields.error(prefix + key,
                        "is '" + type +
                            "', which is not supported (supported: llama3, "
                            "default)");
  RopeScaling &scaling = config.ropeScaling;
  scaling.kind = RopeScaling::Kind::Llama3;
  LLMC_RETURN_IF_ERROR(
      fields.number(*value, prefix, "factor", true, scaling.factor));
  LLMC_RETURN_IF_ERROR(fields.number(*value, prefix, "low_freq_factor", true,
                                     scaling.lowFreqFactor));
  LLMC_RETURN_IF_ERROR(fields.number(*value, prefix, "high_freq_factor", true,
                                     scaling.highFreqFactor));
  return fields.integer(*value, prefix, "original_max_position_embeddings",
                        true, scaling.originalMaxPositionEmbeddings, 1,
                        ConfigLimits::kMaxSeqLen);
}

/// eos_token_id: an integer or a non-empty list of integers.
Status readEos(const json &root, const FieldReader &fields,
               ModelConfig &config) {
  const json *value = FieldReader::lookup(root, "eos_token_id");
  if (!value)
    return Status::ok();
  if (value->is_array()) {
    if (value->empty())
      return fields.error("eos_token_id", "must not be an empty list");
    for (size_t i = 0; i < value->size(); ++i) {
      LLMC_ASSIGN_OR_RETURN(
          int64_t id,
          fields.asInteger((*value)[i],
                           "eos_token_id[" + std::to_string(i) + "]"));
      config.eosTokenIds.push_back(id);
    }
    config.eosTokenId = config.eosTokenIds.front();
    return Status::ok();
  }
  LLMC_ASSIGN_OR_RETURN(config.eosTokenId,
                        fields.asInteger(*value, "eos_token_id"));
  config.eosTokenIds = {config.eosTokenId};
  return Status::ok();
}

/// Settings that would make the graph differ from the one we build, and the
/// per-architecture ones we do build: q/k/v biases (Qwen2 always; Llama and
/// Qwen3 through attention_bias, which would also add an o_proj bias we do
/// not build), q/k norms (Qwen3 always).
Status readGraphVariant(const json &root, const FieldReader &fields,
                        ModelConfig &config) {
  std::string activation = "silu";
  LLMC_RETURN_IF_ERROR(fields.string(root, "", "hidden_act", activation));
  if (activation != "silu")
    return fields.error("hidden_act", "is '" + activation +
                                          "', but only 'silu' (SwiGLU) is "
                                          "supported");
  bool mlpBias = false;
  LLMC_RETURN_IF_ERROR(fields.boolean(root, "mlp_bias", mlpBias));
  if (mlpBias)
    return fields.error("mlp_bias",
                        "is true, but MLP projections with biases are not "
                        "supported");
  bool attentionBias = false;
  LLMC_RETURN_IF_ERROR(fields.boolean(root, "attention_bias", attentionBias));
  if (attentionBias)
    return fields.error("attention_bias",
                        "is true, but an o_proj bias is not supported (only "
                        "Qwen2's q/k/v biases are)");
  // Mixture-of-experts configs of these families use other architecture
  // names; a field that turns experts on is refused all the same.
  for (const char *key : {"num_experts", "num_local_experts"}) {
    int64_t experts = 0;
    LLMC_RETURN_IF_ERROR(fields.integer(root, "", key, false, experts, 0));
    if (experts > 1)
      return fields.error(key, "is " + std::to_string(experts) +
                                   ": mixture-of-experts MLPs are not "
                                   "supported");
  }
  for (const char *key : {"attn_logit_softcapping", "final_logit_softcapping"})
    if (FieldReader::lookup(root, key))
      return fields.error(key, "is set, but logit soft-capping is not "
                               "supported");
  double rotary = 1.0;
  LLMC_RETURN_IF_ERROR(
      fields.number(root, "", "partial_rotary_factor", false, rotary));
  if (rotary != 1.0)
    return fields.error("partial_rotary_factor",
                        "is " + std::to_string(rotary) +
                            ", but RoPE on part of a head is not supported");
  config.qkvBias = config.architecture == "Qwen2ForCausalLM";
  config.qkNorm = config.architecture == "Qwen3ForCausalLM";
  return Status::ok();
}

/// Sliding-window attention, as each architecture's transformers model
/// applies it: Mistral on every layer when sliding_window is set. Qwen2 and
/// Qwen3 window the layers that layer_types marks "sliding_attention", or,
/// without layer_types, with use_sliding_window the layers from
/// max_window_layers on (default 28). A window on every layer or on none is
/// built; a per-layer mix is refused rather than built wrong. A window that
/// covers the whole context masks nothing and is dropped.
Status readSlidingWindow(const json &root, const FieldReader &fields,
                         ModelConfig &config) {
  int64_t window = 0;
  LLMC_RETURN_IF_ERROR(
      fields.integer(root, "", "sliding_window", false, window));
  int64_t windowedLayers = window > 0 ? config.numLayers : 0;
  std::string mixField = "sliding_window";
  if (config.architecture != "MistralForCausalLM") {
    windowedLayers = 0;
    if (const json *types = FieldReader::lookup(root, "layer_types")) {
      mixField = "layer_types";
      if (!types->is_array() || int64_t(types->size()) != config.numLayers)
        return fields.error("layer_types",
                            "must be an array of one string per layer");
      for (size_t i = 0; i < types->size(); ++i) {
        const json &type = (*types)[i];
        if (type == "sliding_attention")
          ++windowedLayers;
        else if (type != "full_attention")
          return fields.error("layer_types[" + std::to_string(i) + "]",
                              "is " + type.dump() +
                                  ", but only full_attention and "
                                  "sliding_attention are supported");
      }
    } else {
      bool useSlidingWindow = false;
      LLMC_RETURN_IF_ERROR(
          fields.boolean(root, "use_sliding_window", useSlidingWindow));
      int64_t maxWindowLayers = 28;
      LLMC_RETURN_IF_ERROR(fields.integer(root, "", "max_window_layers", false,
                                          maxWindowLayers, 0));
      mixField = "max_window_layers";
      if (useSlidingWindow && window > 0)
        windowedLayers =
            std::max<int64_t>(0, config.numLayers - maxWindowLayers);
    }
  }
  if (windowedLayers == 0)
    return Status::ok();
  if (windowedLayers < config.numLayers)
    return fields.error(mixField,
                        "gives " + std::to_string(windowedLayers) + " of " +
                            std::to_string(config.numLayers) +
                            " layers a sliding window, but only a window on "
                            "every layer (or none) is supported");
  if (window <= 0)
    return fields.error("sliding_window",
                        "is missing, but the layers use sliding-window "
                        "attention");
  if (window < config.maxSeqLen)
    config.slidingWindow = window;
  return Status::ok();
}

std::string modelNameFor(const std::string &path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec)
    absolute = path;
  std::string name = absolute.lexically_normal().parent_path().filename();
  return name.empty() ? "model" : name;
}

} // namespace

StatusOr<ModelConfig> parseHfConfig(const std::string &path) {
  LLMC_ASSIGN_OR_RETURN(json root, readJsonFile(path));
  return parseHfConfigJson(root, path);
}

StatusOr<ModelConfig> parseHfConfigJson(const json &root,
                                        const std::string &path) {
  if (!root.is_object())
    return Status::error(path +
                         ": expected a JSON object at the top level, "
                         "got " +
                         describeJsonType(root));
  FieldReader fields(path);
  using L = ConfigLimits;
  ModelConfig config;
  config.name = modelNameFor(path);
  LLMC_ASSIGN_OR_RETURN(config.architecture, readArchitecture(root, fields));
  fields.setArchitecture(config.architecture);
  LLMC_RETURN_IF_ERROR(readGraphVariant(root, fields, config));

  LLMC_RETURN_IF_ERROR(
      fields.integer(root, "", "hidden_size", true, config.dim, 1, L::kMaxDim));
  LLMC_RETURN_IF_ERROR(fields.integer(root, "", "num_hidden_layers", true,
                                      config.numLayers, 1, L::kMaxLayers));
  LLMC_RETURN_IF_ERROR(fields.integer(root, "", "num_attention_heads", true,
                                      config.numHeads, 1, L::kMaxHeads));
  config.numKvHeads = config.numHeads;
  LLMC_RETURN_IF_ERROR(fields.integer(root, "", "num_key_value_heads", false,
                                      config.numKvHeads, 1, L::kMaxHeads));
  LLMC_RETURN_IF_ERROR(fields.integer(root, "", "intermediate_size", true,
                                      config.ffnDim, 1, L::kMaxFfnDim));
  LLMC_RETURN_IF_ERROR(fields.integer(root, "", "vocab_size", true,
                                      config.vocabSize, 1, L::kMaxVocab));
  LLMC_RETURN_IF_ERROR(fields.integer(root, "", "max_position_embeddings", true,
                                      config.maxSeqLen, 1, L::kMaxSeqLen));
  LLMC_RETURN_IF_ERROR(
      fields.number(root, "", "rms_norm_eps", true, config.normEps));

  if (FieldReader::lookup(root, "head_dim")) {
    LLMC_RETURN_IF_ERROR(fields.integer(root, "", "head_dim", false,
                                        config.headDim, 1, L::kMaxHeadDim));
  } else if (config.dim % config.numHeads != 0) {
    return fields.error("head_dim",
                        "is missing and hidden_size (" +
                            std::to_string(config.dim) +
                            ") is not a multiple of num_attention_heads (" +
                            std::to_string(config.numHeads) + ")");
  } else {
    config.headDim = config.dim / config.numHeads;
  }

  config.ropeStyle = RopeStyle::HalfSplit;
  config.ropeTheta = 10000.0;
  LLMC_RETURN_IF_ERROR(readRope(root, fields, config));
  config.tieWordEmbeddings = false;
  LLMC_RETURN_IF_ERROR(
      fields.boolean(root, "tie_word_embeddings", config.tieWordEmbeddings));
  config.bosTokenId = 1;
  config.eosTokenId = 2;
  LLMC_RETURN_IF_ERROR(
      fields.integer(root, "", "bos_token_id", false, config.bosTokenId, 0));
  LLMC_RETURN_IF_ERROR(readEos(root, fields, config));

  LLMC_RETURN_IF_ERROR(readSlidingWindow(root, fields, config));

  auto quantization = parseHfQuantizationConfig(root);
  if (!quantization)
    return quantization.status().withContext(path + ": " + config.architecture);
  config.weightQuantization = std::move(*quantization);

  LLMC_RETURN_IF_ERROR(config.validate(path));
  return config;
}

} // namespace llmc
