// Implementation of parseHfConfig: field-by-field reading of a Hugging Face
// config.json with messages that name the file, the field and what was wrong.
#include "compiler/Frontend/HfConfig.h"

#include "compiler/Frontend/JsonFile.h"

#include <cstdint>
#include <filesystem>
#include <limits>

namespace llmc {

using nlohmann::json;

const std::vector<std::string> &supportedHfArchitectures() {
  static const std::vector<std::string> kArchitectures = {"LlamaForCausalLM",
                                                          "MistralForCausalLM"};
  return kArchitectures;
}

namespace {

/// Reads typed fields out of JSON objects, reporting errors as
/// "<file>: field '<dotted.name>' <problem>". Absent and null fields are
/// treated alike: HF writes `null` for "use the default".
class FieldReader {
public:
  explicit FieldReader(const std::string &path) : path_(path) {}

  Status error(const std::string &field, const std::string &problem) const {
    return Status::error(path_ + ": field '" + field + "' " + problem);
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

Status readRopeScaling(const json &root, const FieldReader &fields,
                       RopeScaling &scaling) {
  const json *value = FieldReader::lookup(root, "rope_scaling");
  if (!value)
    return Status::ok();
  if (!value->is_object())
    return fields.error("rope_scaling", "must be an object or null, got " +
                                            describeJsonType(*value));
  // Newer transformers write rope_type, older ones type.
  std::string key = value->contains("rope_type") ? "rope_type" : "type";
  std::string type;
  LLMC_RETURN_IF_ERROR(fields.string(*value, "rope_scaling.", key, type));
  if (type.empty())
    return fields.error("rope_scaling.rope_type", "is missing (required when "
                                                  "rope_scaling is an object)");
  if (type == "default")
    return Status::ok();
  if (type != "llama3")
    return fields.error("rope_scaling." + key,
                        "is '" + type +
                            "', which is not supported (supported: llama3, "
                            "default)");
  scaling.kind = RopeScaling::Kind::Llama3;
  const std::string prefix = "rope_scaling.";
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

/// Settings that would make the graph differ from the one we build.
Status refuseOtherGraphs(const json &root, const FieldReader &fields) {
  std::string activation = "silu";
  LLMC_RETURN_IF_ERROR(fields.string(root, "", "hidden_act", activation));
  if (activation != "silu")
    return fields.error("hidden_act", "is '" + activation +
                                          "', but only 'silu' (SwiGLU) is "
                                          "supported");
  for (const char *key : {"attention_bias", "mlp_bias"}) {
    bool bias = false;
    LLMC_RETURN_IF_ERROR(fields.boolean(root, key, bias));
    if (bias)
      return fields.error(key, "is true, but projections with biases are not "
                               "supported");
  }
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
  LLMC_RETURN_IF_ERROR(refuseOtherGraphs(root, fields));

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
  LLMC_RETURN_IF_ERROR(
      fields.number(root, "", "rope_theta", false, config.ropeTheta));
  LLMC_RETURN_IF_ERROR(readRopeScaling(root, fields, config.ropeScaling));
  config.tieWordEmbeddings = false;
  LLMC_RETURN_IF_ERROR(
      fields.boolean(root, "tie_word_embeddings", config.tieWordEmbeddings));
  config.bosTokenId = 1;
  config.eosTokenId = 2;
  LLMC_RETURN_IF_ERROR(
      fields.integer(root, "", "bos_token_id", false, config.bosTokenId, 0));
  LLMC_RETURN_IF_ERROR(readEos(root, fields, config));

  if (config.architecture == "MistralForCausalLM") {
    int64_t window = 0;
    LLMC_RETURN_IF_ERROR(
        fields.integer(root, "", "sliding_window", false, window));
    if (window > 0 && window < config.maxSeqLen)
      config.maxSeqLen = window;
  }

  LLMC_RETURN_IF_ERROR(config.validate(path));
  return config;
}

} // namespace llmc
